#include "cmd/crio/pod_stack.h"

#include <cstdlib>
#include <mutex>

#include "cmd/crio/host_probe.h"
#include "common/log.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "config/option.h"
#include "image/auth.h"
#include "image/reference.h"
#include "oci/conmon_runtime.h"
#include "spec/container_spec.h"
#include "spec/process.h"
#include "sys/cgroups.h"
#include "sys/private_dir.h"
#include "sys/unix_socket.h"

namespace crio {
namespace {

// Where a handler's conmon goes (ConmonOptions::monitor_cgroup), with CRI-O's checks of
// monitor_cgroup against the configured cgroup manager. Placing conmon in a systemd scope
// takes systemd's D-Bus API, which crio does not speak yet: there conmon stays in crio's
// cgroup. Without systemd (crio then manages cgroupfs itself) a slice is made where
// systemd would have it.
absl::StatusOr<std::string> MonitorPlacement(const std::string& handler,
                                             const std::string& monitor_cgroup,
                                             const std::string& configured_manager,
                                             const std::string& effective_manager) {
  const bool pod = monitor_cgroup == "pod";
  if (configured_manager != "systemd") {
    if (!pod && !monitor_cgroup.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "runtime validation: runtime handler {}: cgroupfs manager conmon cgroup should be "
          "'pod' or empty (monitor_cgroup = \"{}\")",
          handler, monitor_cgroup));
    }
    return std::string(pod ? "pod" : "");
  }
  if (!pod && !monitor_cgroup.ends_with(".slice")) {
    return absl::InvalidArgumentError(fmt::format(
        "runtime validation: runtime handler {}: conmon cgroup should be 'pod' or a systemd "
        "slice (monitor_cgroup = \"{}\")",
        handler, monitor_cgroup));
  }
  if (effective_manager == "systemd") {
    log::Warn("Runtime handler {}: monitor_cgroup \"{}\" needs a systemd scope, which crio "
              "cannot make yet; conmon stays in crio's cgroup",
              handler, monitor_cgroup);
    return std::string();
  }
  if (pod) return std::string("pod");
  return sys::SlicePath(monitor_cgroup);
}

absl::StatusOr<std::unique_ptr<oci::RuntimeHandlers>> BuildRuntimes(const config::Config& config,
                                                                    const PodStackHost& host) {
  std::map<std::string, std::unique_ptr<oci::OciRuntime>> handlers;
  for (const auto& [name, handler] : config.runtime.runtimes) {
    if (handler.runtime_type != "oci") {
      log::Warn("Runtime handler {} has runtime_type \"{}\", which crio does not support; pods "
                "asking for it are refused",
                name, handler.runtime_type);
      continue;
    }
    ASSIGN_OR_RETURN(const std::string runtime_path, ResolveRuntimePath(name, handler));
    ASSIGN_OR_RETURN(std::string monitor_cgroup,
                     MonitorPlacement(name, handler.monitor_cgroup,
                                      config.runtime.cgroup_manager, host.cgroup_manager));
    std::string conmon =
        !handler.monitor_path.empty() ? handler.monitor_path : config.runtime.conmon;
    if (conmon.empty()) {
      ASSIGN_OR_RETURN(conmon, FindInPath("conmon"));
    }
    handlers.emplace(
        name,
        std::make_unique<oci::ConmonRuntime>(oci::ConmonOptions{
            .conmon_path = conmon,
            .runtime_path = runtime_path,
            .runtime_root = handler.runtime_root.empty() ? "/run/" + name : handler.runtime_root,
            .monitor_env = handler.monitor_env,
            .exits_dir = config.runtime.container_exits_dir,
            .attach_socket_dir = config.runtime.container_attach_socket_dir,
            .log_level = config.runtime.log_level,
            .log_size_max = config.runtime.log_size_max,
            .systemd_cgroup = host.cgroup_manager == "systemd",
            .no_pivot = config.runtime.no_pivot,
            .log_to_journald = config.runtime.log_to_journald,
            .no_sync_log = handler.no_sync_log,
            .create_timeout = std::chrono::seconds(handler.container_create_timeout),
            .monitor_cgroup = monitor_cgroup,
            .cgroup_hierarchies = host.cgroup_hierarchies,
            .monitor_cpuset = monitor_cgroup == "pod" ? config.runtime.infra_ctr_cpuset : ""}));
  }
  return std::make_unique<oci::RuntimeHandlers>(std::move(handlers),
                                                config.runtime.default_runtime);
}

// Credentials for the pause image from pause_image_auth_file; none when unset or not there.
image::Credentials PauseCredentials(const config::Config& config) {
  if (config.image.pause_image_auth_file.empty()) return {};
  auto file = image::AuthFile::Load(config.image.pause_image_auth_file);
  auto reference = image::ParseWithDefaultDomain(config.image.pause_image, "docker.io");
  if (!file.ok() || !reference.ok()) return {};
  return file->Find(*reference).value_or(image::Credentials{});
}

// The default handler's container_min_memory (validated at load).
int64_t MinMemory(const config::Config& config) {
  auto handler = config.runtime.runtimes.find(config.runtime.default_runtime);
  if (handler == config.runtime.runtimes.end()) return 12 << 20;
  return config::ParseSize(handler->second.container_min_memory).value_or(12 << 20);
}

// What SIGHUP may change for containers, from the live configuration.
container::ReloadableOptions Reloadable(const config::Config& config) {
  return {.seccomp_profile = config.runtime.seccomp_profile,
          .apparmor_profile = config.runtime.apparmor_profile,
          .pause_image = config.image.pause_image,
          .pause_command = config.image.pause_command,
          .pause_credentials = PauseCredentials(config),
          .pod_events = config.runtime.enable_pod_events};
}

// Reloadable() of the live configuration, computed again only when SIGHUP replaced it:
// container creation reads these options, and the pause credentials come from a file.
std::function<container::ReloadableOptions()> ReloadableFrom(const config::LiveConfig& live) {
  struct Cache {
    std::mutex mu;
    std::shared_ptr<const config::Config> seen;
    container::ReloadableOptions options;
  };
  return [&live, cache = std::make_shared<Cache>()] {
    const std::shared_ptr<const config::Config> current = live.Snapshot();
    std::lock_guard lock(cache->mu);
    if (cache->seen != current) {
      cache->options = Reloadable(*current);
      cache->seen = current;
    }
    return cache->options;
  };
}

std::set<std::string> PrivilegedWithoutHostDevices(const config::Config& config) {
  std::set<std::string> names;
  for (const auto& [name, handler] : config.runtime.runtimes) {
    if (handler.privileged_without_host_devices) names.insert(name);
  }
  return names;
}

std::map<std::string, std::vector<std::string>> AllowedAnnotations(const config::Config& config) {
  std::map<std::string, std::vector<std::string>> allowed;
  for (const auto& [name, handler] : config.runtime.runtimes) {
    allowed[name] = handler.allowed_annotations;
  }
  return allowed;
}

std::map<std::string, container::Workload> Workloads(const config::Config& config) {
  std::map<std::string, container::Workload> workloads;
  for (const auto& [name, workload] : config.runtime.workloads) {
    workloads[name] = {
        .activation_annotation = workload.activation_annotation,
        .annotation_prefix = workload.annotation_prefix,
        .allowed_annotations = workload.allowed_annotations,
        .defaults = {.cpuset = workload.cpuset, .shares = static_cast<uint64_t>(workload.cpushares)}};
  }
  return workloads;
}

}  // namespace

std::string BootId() {
  // CRIO_TEST_BOOT_ID_FILE stands in for the kernel's file in the reboot tests.
  const char* stand_in = std::getenv("CRIO_TEST_BOOT_ID_FILE");
  auto id =
      ReadFileToString(stand_in != nullptr ? stand_in : "/proc/sys/kernel/random/boot_id", 128);
  if (!id.ok()) return "";
  while (!id->empty() && id->back() == '\n') id->pop_back();
  return *id;
}

PodStackHost ProbeHost(const config::Config& config) {
  std::string why;
  PodStackHost host{.cgroup_manager = EffectiveCgroupManager(config.runtime.cgroup_manager, &why),
                    .negative_oom_score_adj = NegativeOomScoreAdjAllowed()};
  if (!why.empty()) log::Warn("cgroup_manager \"systemd\": {}; using cgroupfs", why);
  if (!host.negative_oom_score_adj) {
    log::Warn("This kernel refuses negative oom_score_adj values; containers asking for one get 0");
  }
  const CgroupFeatures features = ProbeCgroupFeatures();
  host.hugetlb = features.hugetlb;
  host.swap_accounting = features.swap;
  host.cgroup_v2 = features.v2;
  host.masked_paths = spec::HostMaskedPaths();
  auto hierarchies = sys::MountedCgroupHierarchies();
  if (hierarchies.ok()) {
    host.cgroup_hierarchies = *std::move(hierarchies);
  } else {
    log::Warn("Cannot read the mounted cgroup hierarchies: {}",
              AsStd(hierarchies.status().message()));
  }
  return host;
}

absl::StatusOr<std::unique_ptr<PodStack>> BuildPodStack(const config::LiveConfig& live,
                                                        const PodStackHost& host,
                                                        image::Images& images,
                                                        storage::StoreFiles& store_files,
                                                        PodStackObservers observers) {
  const std::shared_ptr<const config::Config> snapshot = live.Snapshot();
  const config::Config& config = *snapshot;  // the start-up values of what SIGHUP can't change
  auto stack = std::make_unique<PodStack>();
  const std::string boot_id = BootId();
  RETURN_IF_ERROR(sys::MakePrivateDir(config.root.root));
  RETURN_IF_ERROR(sys::MakePrivateDir(config.root.runroot));
  ASSIGN_OR_RETURN(stack->db, state::Database::Open(config.root.root + "/state.db"));
  ASSIGN_OR_RETURN(stack->pod_store, sandbox::SandboxStore::Open(*stack->db));
  ASSIGN_OR_RETURN(stack->container_store, container::ContainerStore::Open(*stack->db));
  stack->network = std::make_unique<network::CniPodNetwork>(
      network::CniOptions{.network_dir = config.network.network_dir,
                          .plugin_dirs = config.network.plugin_dirs,
                          .default_network = config.network.cni_default_network});
  ASSIGN_OR_RETURN(stack->runtimes, BuildRuntimes(config, host));
  stack->layers = std::make_unique<storage::ContainerLayers>(store_files);
  RETURN_IF_ERROR(stack->layers->MountHome());
  stack->container_stats =
      std::make_unique<stats::ContainerStatsCollector>(stats::CollectorOptions{}, *stack->layers);
  stack->images = std::make_unique<container::ImagesSource>(images);
  std::set<std::string> handlers;
  std::map<std::string, std::string> unsupported_handlers;
  for (const auto& [name, handler] : config.runtime.runtimes) {
    if (handler.runtime_type == "oci") {
      handlers.insert(name);
    } else {
      unsupported_handlers[name] = handler.runtime_type;
    }
  }
  if (!config.runtime.disable_hostport_mapping) {
    stack->hostports = std::make_unique<network::HostPorts>();
  }
  stack->sandboxes = std::make_unique<sandbox::Sandboxes>(
      sandbox::SandboxesOptions{.run_root = config.root.runroot,
                                .namespaces_dir = config.runtime.namespaces_dir,
                                .log_dir = config.root.log_dir,
                                .default_sysctls = config.runtime.default_sysctls,
                                .runtime_handlers = std::move(handlers),
                                .unsupported_handlers = std::move(unsupported_handlers),
                                .boot_id = boot_id,
                                .cgroup_manager = host.cgroup_manager,
                                .drop_infra_ctr = config.runtime.drop_infra_ctr,
                                .annotation_allowed =
                                    [by_handler = AllowedAnnotations(config),
                                     workloads = Workloads(config),
                                     default_runtime = config.runtime.default_runtime](
                                        const sandbox::SandboxSpec& spec, std::string_view key) {
                                      return container::AnnotationAllowed(
                                          container::AllowedAnnotations(
                                              by_handler, workloads,
                                              spec.runtime_handler.empty()
                                                  ? default_runtime
                                                  : spec.runtime_handler,
                                              spec.annotations),
                                          key);
                                    },
                                .hostports = stack->hostports.get(),
                                .step_timed = std::move(observers.step_timed)},
      *stack->pod_store, *stack->network, stack->isolation);
  stack->events = std::make_unique<container::ContainerEvents>();
  stack->containers = std::make_unique<container::Containers>(
      container::ContainersOptions{
          .root = config.root.root,
          .run_root = config.root.runroot,
          .exits_dir = config.runtime.container_exits_dir,
          .default_capabilities = config.runtime.default_capabilities,
          .default_ulimits = config.runtime.default_ulimits,
          .default_env = config.runtime.default_env,
          .default_mounts_file = config.runtime.default_mounts_file,
          .apparmor = {.enabled = spec::AppArmorEnabled()},
          .container_min_memory = MinMemory(config),
          .absent_mount_sources_to_reject = config.runtime.absent_mount_sources_to_reject,
          .host_capabilities = spec::CapabilitiesOfMask(BoundingCapabilities()),
          .image_volumes = config.image.image_volumes,
          .hooks_dirs = config.runtime.hooks_dir,
          .allowed_annotations = AllowedAnnotations(config),
          .privileged_seccomp_profile = config.runtime.privileged_seccomp_profile,
          .seccomp_use_default_when_empty = config.runtime.seccomp_use_default_when_empty,
          .additional_devices = config.runtime.additional_devices,
          .allowed_devices = config.runtime.allowed_devices,
          .privileged_without_host_devices = PrivilegedWithoutHostDevices(config),
          .device_ownership_from_security_context =
              config.runtime.device_ownership_from_security_context,
          .default_runtime = config.runtime.default_runtime,
          .workloads = Workloads(config),
          .infra_ctr_cpuset = config.runtime.infra_ctr_cpuset,
          .cgroup_manager = host.cgroup_manager,
          .pids_limit = config.runtime.pids_limit,
          .negative_oom_score_adj = host.negative_oom_score_adj,
          .hugetlb = host.hugetlb,
          .swap_accounting = host.swap_accounting,
          .cgroup_v2 = host.cgroup_v2,
          .host_masked_paths = host.masked_paths,
          .boot_id = boot_id,
          .reloadable = ReloadableFrom(live),
          .events = stack->events.get(),
          .oom_killed = std::move(observers.oom_killed)},
      *stack->container_store, *stack->sandboxes, *stack->images, *stack->layers, *stack->runtimes);
  stack->sandboxes->SetMembers(stack->containers.get());
  RETURN_IF_ERROR(stack->sandboxes->Restore());
  RETURN_IF_ERROR(stack->containers->Restore());
  stack->exits = std::make_unique<oci::ExitWatcher>(
      config.runtime.container_exits_dir,
      [containers = stack->containers.get()](const std::string& id) { containers->OnExit(id); });
  RETURN_IF_ERROR(stack->exits->Start());
  return stack;
}

}  // namespace crio
