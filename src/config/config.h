// crio's configuration: CRI-O's crio.conf(5) tables and key names, CRI-O's defaults except
// where docs/crio.conf.5 says otherwise (default_runtime "runc", storage under /var/lib/crio).
//
// A Config is a plain value. It is built once by Load() (defaults → /etc/crio/crio.conf →
// crio.conf.d/*.conf in lexical order → command-line flags) and is immutable afterwards,
// except for the reloadable options that ApplyReload() copies on SIGHUP; the daemon guards
// its live copy itself.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crio::config {

// [crio.runtime.runtimes.NAME]: one OCI runtime handler.
struct RuntimeHandler {
  std::string runtime_path;          // empty: look up NAME in $PATH
  std::string runtime_root;          // --root for the runtime; empty: /run/NAME
  std::string runtime_type = "oci";  // "oci" (conmon + runc/crun) runs; "vm"/"pod" are refused
  std::string runtime_config_path;   // a vm runtime's configuration
  bool privileged_without_host_devices = false;
  std::vector<std::string> allowed_annotations;
  std::string monitor_path;    // conmon binary; empty: [crio.runtime] conmon or $PATH
  std::string monitor_cgroup = "system.slice";  // or "pod", or another slice
  std::vector<std::string> monitor_env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::string container_min_memory = "12MiB";
  std::map<std::string, std::string> default_annotations;
  bool no_sync_log = false;
  int64_t container_create_timeout = 240;  // seconds, at least 30

  bool operator==(const RuntimeHandler&) const = default;
};

// [crio]
struct RootConfig {
  std::string root = "/var/lib/containers/storage";
  std::string runroot = "/run/containers/storage";
  std::string imagestore;
  std::string storage_driver = "overlay";
  std::vector<std::string> storage_option;
  std::string log_dir = "/var/log/crio/pods";
  std::string version_file = "/var/run/crio/version";
  std::string version_file_persist;
  std::string clean_shutdown_file = "/var/lib/crio/clean.shutdown";
  bool internal_wipe = true;
  bool internal_repair = true;

  bool operator==(const RootConfig&) const = default;
};

// [crio.api]
struct ApiConfig {
  std::string listen = "/var/run/crio/crio.sock";
  std::string stream_address = "127.0.0.1";
  std::string stream_port = "0";
  bool stream_enable_tls = false;
  std::string stream_idle_timeout;  // Go duration; empty: 4h
  std::string stream_tls_cert;
  std::string stream_tls_key;
  std::string stream_tls_ca;
  int64_t grpc_max_send_msg_size = 80 * 1024 * 1024;
  int64_t grpc_max_recv_msg_size = 80 * 1024 * 1024;

  bool operator==(const ApiConfig&) const = default;
};

// [crio.runtime.workloads.NAME]: CPU settings for the containers of pods that carry the
// activation annotation (its value is ignored), each overridable per container by the pod
// annotation ANNOTATION_PREFIX/CONTAINER = {"cpushares": N, "cpuset": "..."} ("POD" names
// the infra container and conmon).
struct Workload {
  std::string activation_annotation;
  std::string annotation_prefix;
  std::vector<std::string> allowed_annotations;  // added to the handler's for such pods
  std::string cpuset;     // [resources] cpuset: "0-1,3"; empty: none
  int64_t cpushares = 0;  // [resources] cpushares; 0: none

  bool operator==(const Workload&) const = default;
};

// [crio.runtime]
struct RuntimeConfig {
  std::string default_runtime = "runc";
  std::map<std::string, RuntimeHandler> runtimes = {
      {"runc",
       RuntimeHandler{.runtime_root = "/run/runc",
                      .allowed_annotations = {"io.containers.trace-syscall", "devices.crio.io"}}}};
  std::vector<std::string> default_ulimits;  // "nofile=1024:2048"
  bool no_pivot = false;
  std::string conmon;
  std::vector<std::string> conmon_env;
  std::string conmon_cgroup;  // older name of the handlers' monitor_cgroup (copied into them)
  bool selinux = false;
  std::string seccomp_profile;
  bool seccomp_use_default_when_empty = true;
  std::string privileged_seccomp_profile;
  std::string apparmor_profile = "crio-default";
  // goresctrl's class files, as CRI-O reads them; crio applies neither (see CheckResctrl).
  std::string blockio_config_file;
  std::string irqbalance_config_file = "/etc/sysconfig/irqbalance";
  std::string rdt_config_file;
  std::string cgroup_manager = "systemd";  // "systemd" or "cgroupfs"
  std::vector<std::string> default_capabilities = {"CHOWN",   "DAC_OVERRIDE",     "FSETID",
                                                   "FOWNER",  "SETGID",           "SETUID",
                                                   "SETPCAP", "NET_BIND_SERVICE", "KILL"};
  bool add_inheritable_capabilities = false;
  std::vector<std::string> default_sysctls;  // "key=value", no spaces
  std::vector<std::string> allowed_devices = {"/dev/fuse", "/dev/net/tun"};
  std::vector<std::string> additional_devices;  // "host:container:perms"
  std::vector<std::string> hooks_dir = {"/usr/share/containers/oci/hooks.d"};
  int64_t pids_limit = -1;
  std::string log_level = "info";
  std::string log_format = "text";  // "text" or "json"
  std::string log_filter;           // a regular expression; only matching messages are logged
  int64_t log_size_max = -1;        // -1: unlimited, else at least 8192
  bool log_to_journald = false;     // conmon also sends container output to the journal
  std::string container_exits_dir = "/var/run/crio/exits";
  std::string container_attach_socket_dir = "/var/run/crio";
  std::string bind_mount_prefix;
  bool read_only = false;
  int64_t ctr_stop_timeout = 30;  // seconds, at least 30
  bool drop_infra_ctr = true;
  std::string namespaces_dir = "/var/run";
  std::vector<std::string> absent_mount_sources_to_reject;
  bool enable_pod_events = false;
  bool disable_hostport_mapping = false;
  bool device_ownership_from_security_context = false;
  std::vector<std::string> default_env;  // "NAME=value", every container
  std::string default_mounts_file;       // mounts.conf; empty: the library's default files
  std::string pinns_path;                // accepted: crio pins namespaces itself
  std::string decryption_keys_path = "/etc/crio/keys/";  // accepted: no image decryption
  bool enable_criu_support = false;      // accepted: no checkpoint/restore on this crio
  std::map<std::string, Workload> workloads;
  std::string infra_ctr_cpuset;  // CPUs of infra containers, and of conmon in the pod's cgroup

  bool operator==(const RuntimeConfig&) const = default;
};

// [crio.image]
struct ImageConfig {
  std::string default_transport = "docker://";
  std::string global_auth_file;
  std::string pause_image = "registry.k8s.io/pause:3.10.1";
  std::string pause_image_auth_file;
  std::string pause_command = "/pause";
  std::vector<std::string> pinned_images;
  std::string signature_policy;  // empty: /etc/containers/policy.json
  std::string signature_policy_dir = "/etc/crio/policies";
  std::string image_volumes = "mkdir";  // "mkdir", "bind" or "ignore"
  std::string big_files_temporary_dir;
  std::string short_name_mode = "enforcing";  // "enforcing" or "disabled"
  std::string pull_progress_timeout = "0s";   // Go duration
  int64_t max_parallel_downloads = 6;         // crio's own key: layers fetched at once
  std::string separate_pull_cgroup;           // pulls in their own cgroup (systemd only)
  std::string max_image_size = "64GiB";       // crio's own key: decompressed layers per pull
  std::vector<std::string> insecure_registries;  // "host[:port]" or CIDRs: TLS not verified
  std::vector<std::string> registries;  // dropped by CRI-O: a warning, no effect

  bool operator==(const ImageConfig&) const = default;
};

// [crio.network]
struct NetworkConfig {
  std::string cni_default_network;
  std::string network_dir = "/etc/cni/net.d/";
  std::vector<std::string> plugin_dirs = {"/opt/cni/bin/", "/usr/lib/cni/"};

  bool operator==(const NetworkConfig&) const = default;
};

// CRI-O's metrics collector keys, as metrics_collectors names them (a configured key may
// also carry the "container_runtime_" and "crio_" prefixes; Validate strips them): CRI-O
// 1.26's, its deprecated ones included, in its order, then those later releases added.
inline const std::vector<std::string> kMetricsCollectors = {
    "operations",
    "operations_latency_microseconds_total",
    "operations_latency_microseconds",
    "operations_errors",
    "image_pulls_by_digest",
    "image_pulls_by_name",
    "image_pulls_by_name_skipped",
    "image_pulls_failures",
    "image_pulls_successes",
    "image_pulls_layer_size",
    "image_layer_reuse",
    "containers_oom_total",
    "containers_oom",
    "processes_defunct",
    "operations_total",
    "operations_latency_seconds",
    "operations_latency_seconds_total",
    "operations_errors_total",
    "image_pulls_bytes_total",
    "image_pulls_skipped_bytes_total",
    "image_pulls_failure_total",
    "image_pulls_success_total",
    "image_layer_reuse_total",
    "containers_oom_count_total",
    "containers_seccomp_notifier_count_total",
    "containers_events_dropped_total",
    "resources_stalled_at_stage",
    "containers_stopped_monitor_count"};

// The groups included_pod_metrics may name ("all" names every one).
inline const std::vector<std::string> kPodMetricGroups = {
    "cpu", "hugetlb", "memory", "network", "oom", "process", "spec", "disk", "diskIO", "pressure"};

// [crio.metrics]
struct MetricsConfig {
  bool enable_metrics = false;
  std::vector<std::string> metrics_collectors = kMetricsCollectors;
  std::string metrics_host = "127.0.0.1";
  int64_t metrics_port = 9090;
  std::string metrics_socket;
  std::string metrics_cert;
  std::string metrics_key;

  bool operator==(const MetricsConfig&) const = default;
};

// [crio.stats]
struct StatsConfig {
  int64_t collection_period = 0;  // seconds; 0: collect on demand
  std::vector<std::string> included_pod_metrics;

  bool operator==(const StatsConfig&) const = default;
};

struct Config {
  RootConfig root;
  ApiConfig api;
  RuntimeConfig runtime;
  ImageConfig image;
  NetworkConfig network;
  MetricsConfig metrics;
  StatsConfig stats;

  bool operator==(const Config&) const = default;
};

}  // namespace crio::config
