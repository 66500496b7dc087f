// The registry: every crio.conf key crio implements, with CRI-O's names, flags and defaults
// (the defaults themselves live in config.h). docs/crio.conf.5 describes the same keys;
// options_test.cc checks that it names every one.
#include "config/option.h"

namespace crio::config {
namespace {

// Accessors for Config's fields: &F<&Config::api, &ApiConfig::listen> is a function that
// returns a reference to config.api.listen.
template <auto Section, auto Member>
auto& F(Config& config) {
  return (config.*Section).*Member;
}
template <auto Member>
auto& H(RuntimeHandler& handler) {
  return handler.*Member;
}
template <auto Member>
auto& W(Workload& workload) {
  return workload.*Member;
}

using K = Kind;
using C = Config;
using R = RootConfig;
using A = ApiConfig;
using T = RuntimeConfig;
using I = ImageConfig;
using N = NetworkConfig;
using M = MetricsConfig;
using S = StatsConfig;
using RH = RuntimeHandler;

const std::vector<Option>& Registry() {
  static const std::vector<Option> options = {
      // [crio]
      {"crio", "root", "root", "r", K::kPath, &F<&C::root, &R::root>,
       "Path to the root directory, where crio keeps its persistent data: images, layers and "
       "container state."},
      {"crio", "runroot", "runroot", "", K::kPath, &F<&C::root, &R::runroot>,
       "Path to the state directory, where crio keeps its volatile data (lost on reboot)."},
      {"crio", "imagestore", "imagestore", "", K::kPath, &F<&C::root, &R::imagestore>,
       "Path to a separate store for pulled images; empty keeps them under root."},
      {"crio",
       "storage_driver",
       "storage-driver",
       "s",
       K::kEnum,
       &F<&C::root, &R::storage_driver>,
       "Storage driver for image layers and container root filesystems.",
       false,
       {"overlay"}},
      {"crio", "storage_option", "storage-opt", "", K::kStringList,
       &F<&C::root, &R::storage_option>, "Options passed to the storage driver."},
      {"crio", "log_dir", "log-dir", "", K::kPath, &F<&C::root, &R::log_dir>,
       "Default directory for container logs, used when the kubelet names none."},
      {"crio", "version_file", "version-file", "", K::kPath, &F<&C::root, &R::version_file>,
       "File recording the running version; it lives on tmpfs so a reboot can be detected."},
      {"crio", "version_file_persist", "version-file-persist", "", K::kPath,
       &F<&C::root, &R::version_file_persist>,
       "File recording the version across reboots, to detect upgrades; empty: none."},
      {"crio", "clean_shutdown_file", "clean-shutdown-file", "", K::kPath,
       &F<&C::root, &R::clean_shutdown_file>,
       "File written after a clean shutdown; its absence at start-up means storage is checked."},
      {"crio", "internal_wipe", "internal-wipe", "", K::kBool, &F<&C::root, &R::internal_wipe>,
       "Wipe containers and images left from before a reboot or an upgrade at start-up."},
      {"crio", "internal_repair", "internal-repair", "", K::kBool,
       &F<&C::root, &R::internal_repair>,
       "Check and repair storage at start-up after an unclean shutdown."},

      // [crio.api]
      {"crio.api", "listen", "listen", "", K::kPath, &F<&C::api, &A::listen>,
       "Path to the unix socket serving CRI (gRPC) and the status API (HTTP); created 0660."},
      {"crio.api", "stream_address", "stream-address", "", K::kString,
       &F<&C::api, &A::stream_address>,
       "IP address the streaming server (exec, attach, "
       "port-forward) listens on."},
      {"crio.api", "stream_port", "stream-port", "", K::kPort, &F<&C::api, &A::stream_port>,
       "Port of the streaming server; \"0\" picks a free port."},
      {"crio.api", "stream_enable_tls", "stream-enable-tls", "", K::kBool,
       &F<&C::api, &A::stream_enable_tls>, "Serve the streaming server over TLS."},
      {"crio.api", "stream_idle_timeout", "stream-idle-timeout", "", K::kDuration,
       &F<&C::api, &A::stream_idle_timeout>,
       "Idle time after which a streaming connection is closed; empty: 4h."},
      {"crio.api", "stream_tls_cert", "stream-tls-cert", "", K::kPath,
       &F<&C::api, &A::stream_tls_cert>, "TLS certificate of the streaming server."},
      {"crio.api", "stream_tls_key", "stream-tls-key", "", K::kPath,
       &F<&C::api, &A::stream_tls_key>, "TLS key of the streaming server."},
      {"crio.api", "stream_tls_ca", "stream-tls-ca", "", K::kPath, &F<&C::api, &A::stream_tls_ca>,
       "CA certificates that streaming clients must present certificates from."},
      {"crio.api",
       "grpc_max_send_msg_size",
       "grpc-max-send-msg-size",
       "",
       K::kInt,
       &F<&C::api, &A::grpc_max_send_msg_size>,
       "Largest gRPC message crio sends, in bytes.",
       false,
       {},
       1},
      {"crio.api",
       "grpc_max_recv_msg_size",
       "grpc-max-recv-msg-size",
       "",
       K::kInt,
       &F<&C::api, &A::grpc_max_recv_msg_size>,
       "Largest gRPC message crio accepts, in bytes.",
       false,
       {},
       1},

      // [crio.runtime]
      {"crio.runtime", "default_runtime", "default-runtime", "", K::kString,
       &F<&C::runtime, &T::default_runtime>,
       "Runtime handler used when a pod names none; a [crio.runtime.runtimes.NAME] table must "
       "exist for it.",
       true},
      {"crio.runtime", "default_ulimits", "default-ulimits", "", K::kStringList,
       &F<&C::runtime, &T::default_ulimits>,
       "Resource limits for containers, as \"name=soft:hard\" (e.g. \"nofile=1024:2048\")."},
      {"crio.runtime", "no_pivot", "no-pivot", "", K::kBool, &F<&C::runtime, &T::no_pivot>,
       "Make the runtime use chroot instead of pivot_root (for ramdisk roots)."},
      {"crio.runtime", "conmon", "conmon", "", K::kPath, &F<&C::runtime, &T::conmon>,
       "Path to conmon; when set, every oci handler's monitor_path (as CRI-O translates it); "
       "empty: each handler's monitor_path, else conmon from $PATH."},
      {"crio.runtime", "conmon_env", "conmon-env", "", K::kStringList,
       &F<&C::runtime, &T::conmon_env>,
       "Environment for conmon, as \"NAME=value\"; when set, every oci handler's monitor_env."},
      {"crio.runtime", "conmon_cgroup", "conmon-cgroup", "", K::kString,
       &F<&C::runtime, &T::conmon_cgroup>,
       "Older name of the handlers' monitor_cgroup: when set, copied into every oci handler's."},
      {"crio.runtime", "selinux", "selinux", "", K::kBool, &F<&C::runtime, &T::selinux>,
       "Label containers with SELinux (only where the host has SELinux enabled)."},
      {"crio.runtime", "seccomp_profile", "seccomp-profile", "", K::kString,
       &F<&C::runtime, &T::seccomp_profile>,
       "Seccomp profile (JSON) for RuntimeDefault; empty, or a file that does not exist: crio's "
       "built-in profile.",
       true},
      {"crio.runtime", "seccomp_use_default_when_empty", "seccomp-use-default-when-empty", "",
       K::kBool, &F<&C::runtime, &T::seccomp_use_default_when_empty>,
       "A container that names no seccomp profile gets the default one (RuntimeDefault), as "
       "CRI-O's default; false: it runs unconfined, as the CRI says."},
      {"crio.runtime", "privileged_seccomp_profile", "privileged-seccomp-profile", "", K::kString,
       &F<&C::runtime, &T::privileged_seccomp_profile>,
       "Seccomp profile applied to privileged containers; empty: none."},
      {"crio.runtime", "apparmor_profile", "apparmor-profile", "", K::kString,
       &F<&C::runtime, &T::apparmor_profile>,
       "AppArmor profile for RuntimeDefault (where AppArmor is enabled).", true},
      {"crio.runtime", "blockio_config_file", "blockio-config-file", "", K::kPath,
       &F<&C::runtime, &T::blockio_config_file>,
       "Path to the blockio class configuration file for configuring the cgroup blockio "
       "controller; crio applies no blockio classes and refuses to start with one."},
      {"crio.runtime", "irqbalance_config_file", "irqbalance-config-file", "", K::kPath,
       &F<&C::runtime, &T::irqbalance_config_file>,
       "The irqbalance service config file CRI-O updates for the irq-load-balancing "
       "annotation; crio does not honour that annotation, and so never writes it."},
      {"crio.runtime", "rdt_config_file", "rdt-config-file", "", K::kPath,
       &F<&C::runtime, &T::rdt_config_file>,
       "Path to the RDT configuration file for configuring the resctrl pseudo-filesystem; "
       "crio configures no RDT classes and refuses to start with one where resctrl exists."},
      {"crio.runtime",
       "cgroup_manager",
       "cgroup-manager",
       "",
       K::kEnum,
       &F<&C::runtime, &T::cgroup_manager>,
       "Cgroup manager: systemd slices, or cgroupfs directories. \"systemd\" falls back to "
       "cgroupfs with a warning when systemd is not running.",
       false,
       {"systemd", "cgroupfs"}},
      {"crio.runtime", "default_capabilities", "default-capabilities", "", K::kStringList,
       &F<&C::runtime, &T::default_capabilities>,
       "Capabilities every container gets, before the pod's own adds and drops."},
      {"crio.runtime", "add_inheritable_capabilities", "add-inheritable-capabilities", "", K::kBool,
       &F<&C::runtime, &T::add_inheritable_capabilities>,
       "Also put the capabilities in the inheritable set (off: CVE-2022-27652)."},
      {"crio.runtime", "default_sysctls", "default-sysctls", "", K::kStringList,
       &F<&C::runtime, &T::default_sysctls>,
       "Namespaced sysctls set in every pod, as \"key=value\" (no spaces around the \"=\"; "
       "empty entries are skipped)."},
      {"crio.runtime", "allowed_devices", "allowed-devices", "", K::kPathList,
       &F<&C::runtime, &T::allowed_devices>,
       "Devices pods may ask for with the devices.crio.io annotation."},
      {"crio.runtime", "additional_devices", "additional-devices", "", K::kStringList,
       &F<&C::runtime, &T::additional_devices>,
       "Devices added to every container, as \"host:container:permissions\"."},
      {"crio.runtime", "hooks_dir", "hooks-dir", "", K::kPathList, &F<&C::runtime, &T::hooks_dir>,
       "Directories of OCI hook definitions (JSON); later directories win."},
      {"crio.runtime",
       "pids_limit",
       "pids-limit",
       "",
       K::kInt,
       &F<&C::runtime, &T::pids_limit>,
       "Most processes a container may have; -1 or 0: unlimited.",
       false,
       {},
       -1},
      {"crio.runtime",
       "log_level",
       "log-level",
       "l",
       K::kEnum,
       &F<&C::runtime, &T::log_level>,
       "Least severe level logged.",
       true,
       {"trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"}},
      {"crio.runtime",
       "log_format",
       "log-format",
       "",
       K::kEnum,
       &F<&C::runtime, &T::log_format>,
       "Log line format: logrus-style text or one JSON object per line.",
       true,
       {"text", "json"}},
      {"crio.runtime", "log_filter", "log-filter", "", K::kString,
       &F<&C::runtime, &T::log_filter>,
       "Log only the messages this regular expression matches (e.g. \"request:.*\"); empty: "
       "all.",
       true},
      {"crio.runtime",
       "log_size_max",
       "log-size-max",
       "",
       K::kInt,
       &F<&C::runtime, &T::log_size_max>,
       "Largest container log file in bytes before conmon truncates it; -1: unlimited, "
       "otherwise at least 8192.",
       false,
       {},
       -1},
      {"crio.runtime", "log_to_journald", "log-journald", "", K::kBool,
       &F<&C::runtime, &T::log_to_journald>,
       "Have conmon send container output to the systemd journal too, beside the kubelet's "
       "log file; crio refuses to start when journald is not running."},
      {"crio.runtime", "container_exits_dir", "container-exits-dir", "", K::kPath,
       &F<&C::runtime, &T::container_exits_dir>,
       "Directory where conmon writes each container's exit code."},
      {"crio.runtime", "container_attach_socket_dir", "container-attach-socket-dir", "", K::kPath,
       &F<&C::runtime, &T::container_attach_socket_dir>,
       "Directory for the containers' attach sockets."},
      {"crio.runtime", "bind_mount_prefix", "bind-mount-prefix", "", K::kPath,
       &F<&C::runtime, &T::bind_mount_prefix>,
       "Prefix prepended to the host path of every bind mount (when crio runs in a container)."},
      {"crio.runtime", "read_only", "read-only", "", K::kBool, &F<&C::runtime, &T::read_only>,
       "Run every container with a read-only root filesystem."},
      {"crio.runtime", "ctr_stop_timeout", "ctr-stop-timeout", "", K::kInt,
       &F<&C::runtime, &T::ctr_stop_timeout>,
       "Seconds a container gets to stop when none is given; at least 30."},
      {"crio.runtime", "infra_ctr_cpuset", "infra-ctr-cpuset", "", K::kString,
       &F<&C::runtime, &T::infra_ctr_cpuset>,
       "CPU list (\"0-1,3\") for infra containers, and for conmon where it runs in the pod's "
       "cgroup (monitor_cgroup = \"pod\"); a workload's setting overrides it. Empty: none."},
      {"crio.runtime", "drop_infra_ctr", "drop-infra-ctr", "", K::kBool,
       &F<&C::runtime, &T::drop_infra_ctr>,
       "Run pods without an infra (pause) process unless they share a PID namespace."},
      {"crio.runtime", "namespaces_dir", "namespaces-dir", "", K::kPath,
       &F<&C::runtime, &T::namespaces_dir>, "Directory where pod namespaces are pinned."},
      {"crio.runtime", "absent_mount_sources_to_reject", "absent-mount-sources-to-reject", "",
       K::kPathList, &F<&C::runtime, &T::absent_mount_sources_to_reject>,
       "Host paths that must exist when mounted; they are never created as directories."},
      {"crio.runtime", "enable_pod_events", "enable-pod-events", "", K::kBool,
       &F<&C::runtime, &T::enable_pod_events>,
       "Serve container events to the kubelet (Evented PLEG)."},
      {"crio.runtime", "device_ownership_from_security_context",
       "device-ownership-from-security-context", "", K::kBool,
       &F<&C::runtime, &T::device_ownership_from_security_context>,
       "Give a container's devices the owner and group it runs as (run_as_user and "
       "run_as_group, when not root) instead of the host's."},
      {"crio.runtime", "disable_hostport_mapping", "disable-hostport-mapping", "", K::kBool,
       &F<&C::runtime, &T::disable_hostport_mapping>,
       "Leave pods' host ports to the CNI plugins (portmap) instead of mapping them with "
       "crio's own iptables rules."},
      {"crio.runtime", "default_env", "default-env", "", K::kStringList,
       &F<&C::runtime, &T::default_env>,
       "Environment variables (\"NAME=value\") every container gets; the image's and the "
       "container's own win."},
      {"crio.runtime", "default_mounts_file", "default-mounts-file", "", K::kPath,
       &F<&C::runtime, &T::default_mounts_file>,
       "mounts.conf (\"HOST[:CONTAINER]\" lines) whose host paths every container gets a "
       "private copy of; empty: /etc/containers/mounts.conf, else "
       "/usr/share/containers/mounts.conf."},
      {"crio.runtime", "decryption_keys_path", "decryption-keys-path", "", K::kPath,
       &F<&C::runtime, &T::decryption_keys_path>,
       "Keys for decrypting encrypted images. Accepted; crio does not decrypt images: a pull of "
       "an encrypted layer fails on its media type.",
       true},
      {"crio.runtime", "enable_criu_support", "enable-criu-support", "", K::kBool,
       &F<&C::runtime, &T::enable_criu_support>,
       "CRIU checkpoint/restore. Accepted; crio has none: CheckpointContainer answers "
       "UNIMPLEMENTED, and setting this warns."},
      {"crio.runtime", "pinns_path", "pinns-path", "", K::kPath, &F<&C::runtime, &T::pinns_path>,
       "Path to CRI-O's pinns helper. Accepted and unused: crio pins pod namespaces itself."},

      // [crio.image]
      {"crio.image", "default_transport", "default-transport", "", K::kString,
       &F<&C::image, &I::default_transport>, "Transport for image names without one."},
      {"crio.image", "global_auth_file", "global-auth-file", "", K::kPath,
       &F<&C::image, &I::global_auth_file>,
       "Registry credentials (auth.json format) used for every pull; empty: none."},
      {"crio.image", "pause_image", "pause-image", "", K::kString, &F<&C::image, &I::pause_image>,
       "Image of the infra container, for pods that share a PID namespace.", true},
      {"crio.image", "pause_image_auth_file", "pause-image-auth-file", "", K::kPath,
       &F<&C::image, &I::pause_image_auth_file>, "Credentials for pulling the pause image.", true},
      {"crio.image", "pause_command", "pause-command", "", K::kString,
       &F<&C::image, &I::pause_command>, "Command the infra container runs.", true},
      {"crio.image", "pinned_images", "pinned-images", "", K::kStringList,
       &F<&C::image, &I::pinned_images>,
       "Images the kubelet's garbage collection must keep (exact, \"prefix*\" or \"*word*\").",
       true},
      {"crio.image", "signature_policy", "signature-policy", "", K::kPath,
       &F<&C::image, &I::signature_policy>,
       "Trust policy (policy.json); empty: /etc/containers/policy.json."},
      {"crio.image", "signature_policy_dir", "signature-policy-dir", "", K::kPath,
       &F<&C::image, &I::signature_policy_dir>,
       "Directory of per-namespace trust policies, NAMESPACE.json."},
      {"crio.image",
       "image_volumes",
       "image-volumes",
       "",
       K::kEnum,
       &F<&C::image, &I::image_volumes>,
       "What to do with volumes an image declares: create a directory in the container, bind "
       "a host directory, or ignore them.",
       false,
       {"mkdir", "bind", "ignore"}},
      {"crio.image", "big_files_temporary_dir", "big-files-temporary-dir", "", K::kPath,
       &F<&C::image, &I::big_files_temporary_dir>,
       "Directory for large temporary files during pulls; empty: the storage default."},
      {"crio.image",
       "short_name_mode",
       "short-name-mode",
       "",
       K::kEnum,
       &F<&C::image, &I::short_name_mode>,
       "Whether short image names must resolve unambiguously.",
       false,
       {"enforcing", "disabled"}},
      {"crio.image", "pull_progress_timeout", "pull-progress-timeout", "", K::kDuration,
       &F<&C::image, &I::pull_progress_timeout>,
       "Cancel a pull that makes no progress for this long; \"0s\": never."},
      {"crio.image",
       "max_parallel_downloads",
       "max-parallel-downloads",
       "",
       K::kInt,
       &F<&C::image, &I::max_parallel_downloads>,
       "How many layers of one pull are downloaded and unpacked at once (a crio key; CRI-O "
       "has none).",
       false,
       {},
       1,
       64},
      {"crio.image", "max_image_size", "max-image-size", "", K::kSize,
       &F<&C::image, &I::max_image_size>,
       "The most bytes the layers of one pull may decompress to, all together; a pull over it "
       "(a decompression bomb) fails as soon as it gets there (a crio key; CRI-O has none)."},
      {"crio.image", "insecure_registries", "insecure-registry", "", K::kStringList,
       &F<&C::image, &I::insecure_registries>,
       "Registries (\"host[:port]\") and networks (CIDRs) pulled from without verifying TLS, "
       "on top of registries.conf's insecure ones; 127.0.0.0/8 always is, as in CRI-O."},
      {"crio.image", "registries", "registry", "", K::kStringList,
       &F<&C::image, &I::registries>,
       "Dropped, as in CRI-O: setting it only warns. Search registries come from "
       "registries.conf's unqualified-search-registries."},
      {"crio.image", "separate_pull_cgroup", "separate-pull-cgroup", "", K::kString,
       &F<&C::image, &I::separate_pull_cgroup>,
       "[EXPERIMENTAL] Pull images in this cgroup (\"pod\": the pod's); with the systemd "
       "cgroup manager only, as CRI-O. crio refuses to start with it set."},

      // [crio.network]
      {"crio.network", "cni_default_network", "cni-default-network", "", K::kString,
       &F<&C::network, &N::cni_default_network>,
       "Name of the CNI network to use; empty: the first valid config in network_dir."},
      {"crio.network", "network_dir", "cni-config-dir", "", K::kPath,
       &F<&C::network, &N::network_dir>, "Directory of CNI network configurations."},
      {"crio.network", "plugin_dirs", "cni-plugin-dir", "", K::kPathList,
       &F<&C::network, &N::plugin_dirs>, "Directories searched for CNI plugin binaries."},

      // [crio.metrics]
      {"crio.metrics", "enable_metrics", "enable-metrics", "", K::kBool,
       &F<&C::metrics, &M::enable_metrics>, "Serve Prometheus metrics."},
      {"crio.metrics", "metrics_collectors", "metrics-collectors", "", K::kStringList,
       &F<&C::metrics, &M::metrics_collectors>,
       "Collectors to expose, by CRI-O's keys (the \"container_runtime_\" and \"crio_\" "
       "prefixes may be given); default: all of them."},
      {"crio.metrics", "metrics_host", "metrics-host", "", K::kString,
       &F<&C::metrics, &M::metrics_host>, "Address the metrics endpoint listens on."},
      {"crio.metrics",
       "metrics_port",
       "metrics-port",
       "",
       K::kInt,
       &F<&C::metrics, &M::metrics_port>,
       "Port of the metrics endpoint.",
       false,
       {},
       0,
       65535},
      {"crio.metrics", "metrics_socket", "metrics-socket", "", K::kPath,
       &F<&C::metrics, &M::metrics_socket>, "Unix socket for the metrics endpoint; empty: none."},
      {"crio.metrics", "metrics_cert", "metrics-cert", "", K::kPath,
       &F<&C::metrics, &M::metrics_cert>,
       "TLS certificate of the metrics endpoint (with metrics_key: HTTPS, reloaded when it "
       "changes)."},
      {"crio.metrics", "metrics_key", "metrics-key", "", K::kPath, &F<&C::metrics, &M::metrics_key>,
       "TLS key of the metrics endpoint."},

      // [crio.stats]
      {"crio.stats",
       "collection_period",
       "collection-period",
       "",
       K::kInt,
       &F<&C::stats, &S::collection_period>,
       "Seconds between stats collections; 0 collects on demand.",
       false,
       {},
       0},
      {"crio.stats", "included_pod_metrics", "included-pod-metrics", "", K::kStringList,
       &F<&C::stats, &S::included_pod_metrics>,
       "Pod metric groups ListPodSandboxMetrics reports: cpu, hugetlb, memory, network, oom, "
       "process, spec, disk, diskIO, pressure, or all."},
  };
  return options;
}

const std::vector<HandlerOption>& HandlerRegistry() {
  static const std::vector<HandlerOption> options = {
      {"crio.runtime.runtimes", "runtime_path", "", "", K::kPath, &H<&RH::runtime_path>,
       "Path to the OCI runtime binary; empty: NAME in $PATH.", true},
      {"crio.runtime.runtimes", "runtime_root", "", "", K::kPath, &H<&RH::runtime_root>,
       "Root directory the runtime keeps container state in; empty: /run/NAME.", true},
      {"crio.runtime.runtimes",
       "runtime_type",
       "",
       "",
       K::kEnum,
       &H<&RH::runtime_type>,
       "Kind of runtime: \"oci\" (conmon with runc, crun, ...). CRI-O's \"vm\" and \"pod\" are "
       "accepted, and a pod that asks for such a handler is refused naming it.",
       true,
       {"oci", "vm", "pod"}},
      {"crio.runtime.runtimes", "runtime_config_path", "", "", K::kPath,
       &H<&RH::runtime_config_path>, "Configuration file of a \"vm\" runtime.", true},
      {"crio.runtime.runtimes", "privileged_without_host_devices", "", "", K::kBool,
       &H<&RH::privileged_without_host_devices>,
       "Do not give privileged containers the host's devices.", true},
      {"crio.runtime.runtimes", "allowed_annotations", "", "", K::kStringList,
       &H<&RH::allowed_annotations>,
       "Experimental annotations this handler honours; others are dropped.", true},
      {"crio.runtime.runtimes", "monitor_path", "", "", K::kPath, &H<&RH::monitor_path>,
       "Path to conmon; empty: [crio.runtime] conmon, then $PATH.", true},
      {"crio.runtime.runtimes", "monitor_cgroup", "", "", K::kString, &H<&RH::monitor_cgroup>,
       "Cgroup for conmon: \"pod\" (in the pod's cgroup; what cgroup_manager = \"cgroupfs\" "
       "requires) or a systemd slice; empty: \"system.slice\".",
       true},
      {"crio.runtime.runtimes", "monitor_env", "", "", K::kStringList, &H<&RH::monitor_env>,
       "Environment for conmon, as \"NAME=value\".", true},
      {"crio.runtime.runtimes", "container_min_memory", "", "", K::kSize,
       &H<&RH::container_min_memory>, "Smallest memory limit a container may have.", true},
      {"crio.runtime.runtimes", "default_annotations", "", "", K::kStringMap,
       &H<&RH::default_annotations>, "Annotations added to pods unless they set them.", true},
      {"crio.runtime.runtimes", "no_sync_log", "", "", K::kBool, &H<&RH::no_sync_log>,
       "Do not fsync container logs when a container exits.", true},
      {"crio.runtime.runtimes",
       "container_create_timeout",
       "",
       "",
       K::kInt,
       &H<&RH::container_create_timeout>,
       "Seconds a container may take to be created; at "
       "least 30.",
       true,
       {},
       30},
  };
  return options;
}

const std::vector<WorkloadOption>& WorkloadRegistry() {
  static const std::vector<WorkloadOption> options = {
      {"crio.runtime.workloads", "activation_annotation", "", "", K::kString,
       &W<&Workload::activation_annotation>,
       "Pod annotation (its key; the value is ignored) that puts the pod in this workload."},
      {"crio.runtime.workloads", "annotation_prefix", "", "", K::kString,
       &W<&Workload::annotation_prefix>,
       "Prefix of the pod annotations PREFIX/CONTAINER = {\"cpushares\": N, \"cpuset\": \"...\"} "
       "that override the resources for one container (\"POD\": the infra container and "
       "conmon)."},
      {"crio.runtime.workloads", "allowed_annotations", "", "", K::kStringList,
       &W<&Workload::allowed_annotations>,
       "Experimental annotations the pods of this workload may use, besides their handler's."},
      {"crio.runtime.workloads.resources", "cpuset", "", "", K::kString, &W<&Workload::cpuset>,
       "Default cpuset of the workload's containers (\"0-1,3\"); empty: none."},
      {"crio.runtime.workloads.resources", "cpushares", "", "", K::kInt,
       &W<&Workload::cpushares>, "Default CPU shares of the workload's containers; 0: none.",
       false, {}, 0},
  };
  return options;
}

constexpr std::string_view kTables[] = {
    "crio", "crio.api", "crio.runtime", "crio.image", "crio.network", "crio.metrics", "crio.stats"};

}  // namespace

std::span<const Option> Options() { return Registry(); }
std::span<const HandlerOption> HandlerOptions() { return HandlerRegistry(); }
std::span<const WorkloadOption> WorkloadOptions() { return WorkloadRegistry(); }
std::span<const std::string_view> Tables() { return kTables; }

}  // namespace crio::config
