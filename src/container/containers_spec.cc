// Containers: what goes into a container's OCI spec (devices, resources, the process and
// its identity, mounts, capabilities, seccomp, AppArmor, annotations). See containers.h.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <regex>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/read_file.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "container/containers.h"
#include "container/default_mounts.h"
#include "container/devices.h"
#include "container/mounts.h"
#include "container/validate.h"
#include "fmt/format.h"
#include "image/image_config.h"
#include "nlohmann/json.hpp"
#include "spec/process.h"
#include "spec/seccomp.h"
#include "sys/cgroups.h"
#include "sys/resolve.h"
#include "sys/unique_fd.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

// The default mounts (default_mounts.h) of `configured` (default_mounts_file), copied into
// the container's `run_dir`. The file is read at each create, as CRI-O reads it; a file that
// cannot be read gives no mounts, with a warning.
absl::StatusOr<std::vector<spec::Mount>> ConfiguredDefaultMounts(const std::string& configured,
                                                                 const std::string& run_dir) {
  const std::string path = MountsConfPath(configured);
  if (path.empty()) return std::vector<spec::Mount>();
  auto text = ReadFileToString(path, 1 << 20);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status())) {
      log::Warn("Default mounts file {} skipped: {}", path, AsStd(text.status().message()));
    }
    return std::vector<spec::Mount>();
  }
  return DefaultMounts(ParseMountsConf(*text), run_dir);
}

// How many components `path` has ("/run/secrets": 2), as CRI-O orders mounts by.
size_t PathDepth(const std::string& path) {
  const std::string clean = fs::path(path).lexically_normal().string();
  return static_cast<size_t>(std::count(clean.begin(), clean.end(), '/')) -
         (clean.size() > 1 && clean.back() == '/' ? 1 : 0);
}

constexpr uint64_t kMaxIdentityFileBytes = 1 << 20;  // an image's /etc/passwd or /etc/group
constexpr uint64_t kMaxSeccompProfileBytes = 1 << 20;

// Annotations an OCI runtime acts on (CVE-2023-6476, CVE-2024-3154): passed on only when
// the runtime handler allows them.
constexpr const char* kRuntimeAnnotations[] = {"org.systemd.property.",
                                               "run.oci.",
                                               "bundle",
                                               "org.criu.config",
                                               "module.wasm.image/variant",
                                               "io.kubernetes.cri.container-type",
                                               "io.kubernetes.cri.rdt-class",
                                               "io.kubernetes.cri-o."};

std::map<std::string, std::string> FilterAnnotations(
    const std::map<std::string, std::string>& annotations,
    const std::vector<std::string>& allowed) {
  std::map<std::string, std::string> kept;
  for (const auto& [key, value] : annotations) {
    const bool runtime_key =
        std::any_of(std::begin(kRuntimeAnnotations), std::end(kRuntimeAnnotations),
                    [&](const char* prefix) { return key.starts_with(prefix); });
    if (!runtime_key || AnnotationAllowed(allowed, key)) kept.emplace(key, value);
  }
  return kept;
}

// /etc/passwd or /etc/group inside the rootfs, never following links out of it and never
// anything but a regular file (an image may plant a FIFO or a device node there). An image
// without the file gets "", as the runtime would.
absl::StatusOr<std::string> ReadIdentityFile(const std::string& rootfs, const std::string& path) {
  sys::UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoToStatus(errno, "open the rootfs " + rootfs);
  auto text = sys::ReadFileInRoot(root.get(), path, kMaxIdentityFileBytes);
  if (absl::IsNotFound(text.status())) return "";
  if (!text.ok()) return Annotate(text.status(), "read the image's /" + path);
  return text;
}

std::vector<spec::Rlimit> Rlimits(const std::vector<std::string>& ulimits) {
  std::vector<spec::Rlimit> limits;
  for (const std::string& entry : ulimits) {  // "nofile=1024:2048", validated at load
    const size_t equals = entry.find('='), colon = entry.find(':');
    if (equals == std::string::npos) continue;
    std::string type = entry.substr(0, equals);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const std::string soft = entry.substr(equals + 1, colon - equals - 1);
    const std::string hard = colon == std::string::npos ? soft : entry.substr(colon + 1);
    uint64_t soft_value = 0, hard_value = 0;
    std::from_chars(soft.data(), soft.data() + soft.size(), soft_value);
    std::from_chars(hard.data(), hard.data() + hard.size(), hard_value);
    limits.push_back({.type = "RLIMIT_" + type, .soft = soft_value, .hard = hard_value});
  }
  return limits;
}

// A seccomp profile from a JSON file, for a container with `capabilities`.
absl::StatusOr<std::optional<nlohmann::json>> SeccompFromFile(
    const std::string& path, const std::vector<std::string>& capabilities) {
  auto text = ReadFileToString(path, kMaxSeccompProfileBytes);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("seccomp profile {}: {}", path, AsStd(text.status().message())));
  }
  auto parsed = spec::ParseSeccompProfile(*text, capabilities);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("seccomp profile {}: {}", path, AsStd(parsed.status().message())));
  }
  return *parsed;
}

}  // namespace

std::vector<std::string> Containers::AllowedAnnotations(const std::string& runtime_handler,
                                                        const sandbox::Sandbox& pod) const {
  const std::string& handler = runtime_handler.empty() ? options_.default_runtime : runtime_handler;
  return container::AllowedAnnotations(options_.allowed_annotations, options_.workloads, handler,
                                       pod.spec.annotations);
}

absl::StatusOr<std::vector<spec::Device>> Containers::Devices(
    const ContainerRequest& request, const sandbox::Sandbox& pod,
    const std::string& runtime_handler) const {
  const std::string& handler = runtime_handler.empty() ? options_.default_runtime : runtime_handler;
  std::vector<DeviceRequest> requested;
  for (const std::string& text : options_.additional_devices) {
    auto device = ParseDeviceSpec(text);
    if (!device.ok()) {
      return absl::FailedPreconditionError(
          fmt::format("additional_devices: {}", AsStd(device.status().message())));
    }
    requested.push_back(std::move(*device));
  }
  const std::vector<std::string> allowed = AllowedAnnotations(handler, pod);
  for (const std::string_view name : {kDevicesAnnotation, kLegacyDevicesAnnotation}) {
    const auto annotation = pod.spec.annotations.find(std::string(name));
    if (annotation == pod.spec.annotations.end() || !AnnotationAllowed(allowed, name)) continue;
    ASSIGN_OR_RETURN(std::vector<DeviceRequest> extra,
                     ParseDevicesAnnotation(annotation->second, options_.allowed_devices));
    requested.insert(requested.end(), extra.begin(), extra.end());
  }
  // A privileged container sees the host's devices: one of its own at a path the host has
  // would hide it (CRI-O's rule and words).
  for (const DeviceRequest& device : request.devices) {
    if (request.privileged && device.container_path != device.host_path &&
        ::access(device.container_path.c_str(), F_OK) == 0) {
      return absl::InvalidArgumentError(fmt::format(
          "privileged container was configured with a device container path that already "
          "exists on the host: {}",
          device.container_path));
    }
  }
  requested.insert(requested.end(), request.devices.begin(), request.devices.end());
  ASSIGN_OR_RETURN(std::vector<spec::Device> devices, ContainerDevices(requested));
  if (options_.device_ownership_from_security_context) {
    // The container's own devices (not those of a directory it named) belong to its user
    // and group when it runs as a non-root one, as CRI-O's option does it.
    for (spec::Device& device : devices) {
      const bool requested_here =
          std::any_of(request.devices.begin(), request.devices.end(),
                      [&](const DeviceRequest& own) { return own.container_path == device.path; });
      if (!requested_here) continue;
      if (request.run_as_user.value_or(0) > 0) {
        device.uid = static_cast<uint32_t>(*request.run_as_user);
      }
      if (request.run_as_group.value_or(0) > 0) {
        device.gid = static_cast<uint32_t>(*request.run_as_group);
      }
    }
  }
  if (request.privileged && !options_.privileged_without_host_devices.contains(handler)) {
    // The host's devices, under the requested ones at the same path.
    for (spec::Device& device : HostDevices()) {
      if (std::none_of(devices.begin(), devices.end(),
                       [&](const spec::Device& d) { return d.path == device.path; })) {
        devices.push_back(std::move(device));
      }
    }
  }
  return devices;
}

absl::Status Containers::ValidateResources(const spec::Resources& resources) const {
  if (resources.memory_limit > 0 && resources.memory_limit < options_.container_min_memory) {
    return absl::InvalidArgumentError(
        fmt::format("memory limit {} bytes is below the minimum of {} bytes (container_min_memory)",
                    resources.memory_limit, options_.container_min_memory));
  }
  if (resources.memory_swap > 0 && resources.memory_limit > 0 &&
      resources.memory_swap < resources.memory_limit) {
    return absl::InvalidArgumentError(
        fmt::format("memory swap limit {} bytes is below the memory limit {} bytes (the swap "
                    "limit counts memory plus swap)",
                    resources.memory_swap, resources.memory_limit));
  }
  static const std::regex kPageSize("[1-9][0-9]*(KB|MB|GB|TB|PB)");
  for (const auto& [page_size, limit] : resources.hugepage_limits) {
    if (!std::regex_match(page_size, kPageSize)) {
      return absl::InvalidArgumentError(
          fmt::format("hugepage size {:?} is not a size such as \"2MB\" or \"1GB\"", page_size));
    }
  }
  return absl::OkStatus();
}

spec::Resources Containers::ForHost(spec::Resources resources) const {
  if (!options_.hugetlb) resources.hugepage_limits.clear();  // as CRI-O: only with hugetlb
  if (options_.swap_accounting && resources.memory_limit > 0 && resources.memory_swap == 0) {
    resources.memory_swap = resources.memory_limit;  // no swap beyond the memory limit
  }
  return resources;
}

absl::StatusOr<spec::ContainerSpecInput> Containers::SpecInput(const Container& container,
                                                               const sandbox::Sandbox& pod,
                                                               const image::ImageConfig& config) {
  const ContainerRequest& request = container.request;
  spec::ContainerSpecInput input;
  ASSIGN_OR_RETURN(input.args,
                   spec::ResolveArgs(config.entrypoint, config.cmd, request.command, request.args));
  input.env = spec::MergeEnv(options_.default_env, config.env, request.env, request.tty,
                             pod.spec.hostname);
  input.cwd = !request.working_dir.empty()
                  ? request.working_dir
                  : (config.working_dir.empty() ? "/" : config.working_dir);
  RETURN_IF_ERROR(CheckWorkingDir(input.cwd, container.rootfs));

  std::string user = config.user;
  if (request.run_as_user) user = std::to_string(*request.run_as_user);
  if (!request.run_as_username.empty()) user = request.run_as_username;
  std::optional<uint32_t> group;
  if (request.run_as_group) group = static_cast<uint32_t>(*request.run_as_group);
  ASSIGN_OR_RETURN(const std::string passwd, ReadIdentityFile(container.rootfs, "etc/passwd"));
  ASSIGN_OR_RETURN(const std::string group_file, ReadIdentityFile(container.rootfs, "etc/group"));
  ASSIGN_OR_RETURN(const spec::ResolvedUser resolved,
                   spec::ResolveUser(user, passwd, group_file, group, request.supplemental_groups,
                                     request.strict_supplemental_groups));
  input.uid = resolved.uid;
  input.gid = resolved.gid;
  input.additional_gids = resolved.additional_gids;
  if (std::none_of(input.env.begin(), input.env.end(),
                   [](const std::string& e) { return e.starts_with("HOME="); })) {
    input.env.push_back("HOME=" + resolved.home);
  }
  input.terminal = request.tty;
  input.rootfs = container.rootfs;
  input.readonly_rootfs = request.readonly_rootfs;
  input.hostname = pod.spec.hostname;
  input.netns_path = pod.netns_path;
  input.ipcns_path = pod.ipcns_path;
  input.utsns_path = pod.utsns_path;
  input.host_pid = request.pid_mode == sandbox::NamespaceMode::kNode;
  if (request.pid_mode == sandbox::NamespaceMode::kPod && pod.infra_pid > 0 && !container.infra) {
    input.pid_path = fmt::format("/proc/{}/ns/pid", pod.infra_pid);
  }
  if (request.pid_mode == sandbox::NamespaceMode::kTarget) {
    absl::Status error;
    auto target = Find(request.pid_target, &error);
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("pid namespace target {}: {}", request.pid_target, AsStd(error.message())));
    }
    const Container target_container = target->Copy();
    // Any running container, as in CRI-O (the kubelet names one of the pod's).
    if (target_container.pid <= 0 || target_container.state != ContainerState::kRunning) {
      return absl::FailedPreconditionError(
          fmt::format("pid namespace target {} is not a running container", request.pid_target));
    }
    input.pid_path = fmt::format("/proc/{}/ns/pid", target_container.pid);
  }
  input.host_network = pod.spec.host_network();
  ASSIGN_OR_RETURN(std::vector<spec::Mount> volumes,
                   ImageVolumes(config.volumes, options_.image_volumes, container.rootfs,
                                container.persist_dir + "/volumes",
                                {.uid = static_cast<uint32_t>(input.uid),
                                 .gid = static_cast<uint32_t>(input.gid)}));
  ASSIGN_OR_RETURN(input.mounts,
                   ContainerMounts(request, pod, options_.absent_mount_sources_to_reject));
  // Image volumes and default mounts go under the request's mounts, which win at the same
  // path.
  ASSIGN_OR_RETURN(std::vector<spec::Mount> defaults,
                   ConfiguredDefaultMounts(options_.default_mounts_file, container.bundle));
  for (std::vector<spec::Mount>* below : {&volumes, &defaults}) {
    for (spec::Mount& mount : *below) {
      if (std::none_of(input.mounts.begin(), input.mounts.end(), [&](const spec::Mount& m) {
            return m.destination == mount.destination;
          })) {
        input.mounts.insert(input.mounts.begin(), std::move(mount));
      }
    }
  }
  // As CRI-O orders them: a mount before the mounts under it (/run/secrets before
  // /run/secrets/key), whatever list it came from.
  std::stable_sort(input.mounts.begin(), input.mounts.end(),
                   [](const spec::Mount& a, const spec::Mount& b) {
                     return PathDepth(a.destination) < PathDepth(b.destination);
                   });
  ASSIGN_OR_RETURN(input.devices, Devices(request, pod, container.runtime_handler));
  input.privileged = request.privileged;
  ASSIGN_OR_RETURN(input.capabilities,
                   spec::Capabilities(options_.default_capabilities, request.add_capabilities,
                                      request.drop_capabilities, request.privileged,
                                      options_.host_capabilities));
  ASSIGN_OR_RETURN(input.apparmor_profile, spec::ContainerAppArmorProfile(
                                               request.apparmor_profile, request.privileged,
                                               Reloadable().apparmor_profile, options_.apparmor));
  if (!request.privileged) {
    ASSIGN_OR_RETURN(input.seccomp, Seccomp(request, input.capabilities));
  } else if (!options_.privileged_seccomp_profile.empty() &&
             fs::exists(options_.privileged_seccomp_profile)) {
    // Privileged containers ignore the profile they ask for; the operator's applies.
    ASSIGN_OR_RETURN(input.seccomp,
                     SeccompFromFile(options_.privileged_seccomp_profile, input.capabilities));
  }
  input.no_new_privileges = request.no_new_privs;
  input.masked_paths = request.masked_paths;
  input.readonly_paths = request.readonly_paths;
  input.host_masked_paths = options_.host_masked_paths;
  input.cgroup_v2 = options_.cgroup_v2;
  input.rlimits = Rlimits(options_.default_ulimits);
  input.oom_score_adj = static_cast<int>(request.oom_score_adj);
  if (input.oom_score_adj < 0 && !options_.negative_oom_score_adj) input.oom_score_adj = 0;
  const std::string parent = PodCgroupParent(pod);
  input.cgroups_path =
      options_.cgroup_manager == "systemd"
          ? fmt::format("{}:crio:{}", parent == "/crio" ? "system.slice" : parent, container.id)
          // Absolute, as CRI-O makes it: runc reads a relative path from its own cgroup,
          // which is conmon's.
          : sys::CgroupfsChild(parent, "crio-" + container.id);
  input.resources = ForHost(request.resources);
  if (options_.pids_limit > 0 && input.resources.pids_limit <= 0) {
    input.resources.pids_limit = options_.pids_limit;
  }
  if (container.infra && !options_.infra_ctr_cpuset.empty()) {
    input.resources.cpuset_cpus = options_.infra_ctr_cpuset;
  }
  if (const Workload* workload = ActiveWorkload(options_.workloads, pod.spec.annotations)) {
    ASSIGN_OR_RETURN(const sys::CgroupCpu cpu,
                     WorkloadCpu(*workload, container.infra ? kPodWorkloadName : request.name,
                                 pod.spec.annotations));
    if (!cpu.cpuset.empty()) input.resources.cpuset_cpus = cpu.cpuset;
    if (cpu.shares != 0) input.resources.cpu_shares = static_cast<int64_t>(cpu.shares);
  }
  input.annotations =
      SpecAnnotations(container, pod, AllowedAnnotations(container.runtime_handler, pod));
  return input;
}

std::map<std::string, std::string> Containers::SpecAnnotations(
    const Container& container, const sandbox::Sandbox& pod,
    const std::vector<std::string>& allowed) const {
  const ContainerRequest& request = container.request;
  // The pod's first (hooks read them from the container), then crio's, then the container's
  // own and its labels, as CRI-O layers them.
  std::map<std::string, std::string> annotations = FilterAnnotations(pod.spec.annotations, allowed);
  const std::map<std::string, std::string> own = FilterAnnotations(request.annotations, allowed);
  nlohmann::json metadata = {{"name", request.name}};
  if (request.attempt != 0) metadata["attempt"] = request.attempt;
  nlohmann::json volumes = nlohmann::json::array();
  for (const MountRequest& mount : request.mounts) {
    volumes.push_back({{"container_path", mount.container_path},
                       {"host_path", mount.host_path},
                       {"readonly", mount.readonly},
                       {"propagation", static_cast<int>(mount.propagation)},
                       {"selinux_relabel", false}});
  }
  const std::map<std::string, std::string> crio = {
      {"io.kubernetes.cri-o.Image", request.image},
      {"io.kubernetes.cri-o.ImageName", container.image_name},
      {"io.kubernetes.cri-o.ImageRef", container.image_id},
      {"io.kubernetes.cri-o.Name", ContainerName(request, pod.spec.metadata)},
      {"io.kubernetes.cri-o.ContainerID", container.id},
      {"io.kubernetes.cri-o.SandboxID", pod.id},
      {"io.kubernetes.cri-o.SandboxName", sandbox::PodName(pod.spec.metadata)},
      {"io.kubernetes.cri-o.ContainerType", container.infra ? "sandbox" : "container"},
      {"io.kubernetes.cri-o.LogPath", container.log_path},
      {"io.kubernetes.cri-o.TTY", request.tty ? "true" : "false"},
      {"io.kubernetes.cri-o.Stdin", request.stdin ? "true" : "false"},
      {"io.kubernetes.cri-o.StdinOnce", request.stdin_once ? "true" : "false"},
      {"io.kubernetes.cri-o.ResolvPath", pod.resolv_path},
      {"io.container.manager", "cri-o"},
      {"io.kubernetes.cri-o.MountPoint", container.rootfs},
      {"io.kubernetes.cri-o.SeccompProfilePath", request.seccomp_profile},
      {"io.kubernetes.cri-o.Created", Rfc3339Nano(container.created_at)},
      {"io.kubernetes.cri-o.Metadata", metadata.dump()},
      {"io.kubernetes.cri-o.Labels", nlohmann::json(request.labels).dump()},
      {"io.kubernetes.cri-o.Volumes", volumes.dump()},
      {"io.kubernetes.cri-o.Annotations", nlohmann::json(own).dump()},
  };
  for (const auto* layer : {&crio, &own, &request.labels}) {
    for (const auto& [key, value] : *layer) annotations[key] = value;
  }
  for (size_t i = 0; i < pod.ips.size(); ++i) {
    annotations[fmt::format("io.kubernetes.cri-o.IP.{}", i)] = pod.ips[i];
  }
  return annotations;
}

absl::StatusOr<std::optional<nlohmann::json>> Containers::Seccomp(
    const ContainerRequest& request, const std::vector<std::string>& capabilities) const {
  const std::string& profile = request.seccomp_profile.empty() &&
                                        options_.seccomp_use_default_when_empty
                                    ? std::string("runtime/default")
                                    : request.seccomp_profile;
  if (profile.empty() || profile == "unconfined") return std::nullopt;
  std::string path;
  if (profile == "runtime/default" || profile == "docker/default") {
    // A configured file that is not there means the built-in profile, as in CRI-O.
    const std::string configured = Reloadable().seccomp_profile;
    if (configured.empty() || !fs::exists(configured)) {
      return spec::DefaultSeccompProfile(capabilities);
    }
    path = configured;
  } else if (profile.starts_with("localhost/")) {
    path = profile.substr(std::string_view("localhost/").size());
    if (!path.starts_with('/')) {
      return absl::InvalidArgumentError(
          fmt::format("seccomp profile \"{}\": the path must be absolute", profile));
    }
  } else {
    return absl::InvalidArgumentError(fmt::format("unknown seccomp profile \"{}\"", profile));
  }
  return SeccompFromFile(path, capabilities);
}

}  // namespace crio::container
