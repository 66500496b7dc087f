#include "spec/container_spec.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>

namespace crio::spec {
namespace {

using nlohmann::json;

json MountJson(const Mount& mount) {
  return {{"destination", mount.destination},
          {"type", mount.type},
          {"source", mount.source},
          {"options", mount.options}};
}

// /proc, /dev, /dev/pts, /dev/mqueue, /sys and /sys/fs/cgroup; privileged containers get
// /sys and the cgroup tree writable.
std::vector<Mount> DefaultMounts(bool privileged) {
  const std::string sys_access = privileged ? "rw" : "ro";
  return {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts",
       "devpts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sys_access}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", sys_access}},
  };
}

// Defaults first; a later mount at the same destination replaces an earlier one, and a
// mount at /dev or /sys drops the defaults beneath it.
json Mounts(const ContainerSpecInput& input) {
  std::vector<Mount> mounts = DefaultMounts(input.privileged);
  for (const Mount& mount : input.mounts) {
    std::erase_if(mounts, [&](const Mount& existing) {
      return existing.destination == mount.destination ||
             ((mount.destination == "/dev" || mount.destination == "/sys") &&
              existing.destination.starts_with(mount.destination + "/"));
    });
    mounts.push_back(mount);
  }
  json out = json::array();
  for (const Mount& mount : mounts) out.push_back(MountJson(mount));
  return out;
}

json Namespaces(const ContainerSpecInput& input) {
  json namespaces = json::array({{{"type", "mount"}}});
  if (input.cgroup_v2 && !input.privileged) namespaces.push_back({{"type", "cgroup"}});
  if (!input.host_pid) {
    json pid = {{"type", "pid"}};
    if (!input.pid_path.empty()) pid["path"] = input.pid_path;
    namespaces.push_back(pid);
  }
  for (const auto& [type, path] :
       {std::pair{"network", &input.netns_path}, std::pair{"ipc", &input.ipcns_path},
        std::pair{"uts", &input.utsns_path}}) {
    if (!path->empty()) namespaces.push_back({{"type", type}, {"path", *path}});
  }
  return namespaces;
}

json LinuxResources(const spec::Resources& resources) {
  json out = json::object();
  // As CRI-O writes them, 0 included (which runtimes take as "not set").
  json cpu = {{"shares", std::max<int64_t>(resources.cpu_shares, 0)},
              {"quota", std::max<int64_t>(resources.cpu_quota, 0)},
              {"period", std::max<int64_t>(resources.cpu_period, 0)}};
  if (!resources.cpuset_cpus.empty()) cpu["cpus"] = resources.cpuset_cpus;
  if (!resources.cpuset_mems.empty()) cpu["mems"] = resources.cpuset_mems;
  out["cpu"] = cpu;
  json memory = json::object();
  if (resources.memory_limit > 0) memory["limit"] = resources.memory_limit;
  // -1: unlimited swap.
  if (resources.memory_swap > 0 || resources.memory_swap == -1) {
    memory["swap"] = resources.memory_swap;
  }
  if (!memory.empty()) out["memory"] = memory;
  if (resources.pids_limit > 0) out["pids"] = {{"limit", resources.pids_limit}};
  for (const auto& [page_size, limit] : resources.hugepage_limits) {
    out["hugepageLimits"].push_back({{"pageSize", page_size}, {"limit", limit}});
  }
  if (!resources.unified.empty()) out["unified"] = resources.unified;
  return out;
}

json Process(const ContainerSpecInput& input) {
  json user = {{"uid", input.uid}, {"gid", input.gid}};
  if (!input.additional_gids.empty()) user["additionalGids"] = input.additional_gids;
  json rlimits = json::array();
  for (const Rlimit& limit : input.rlimits) {
    rlimits.push_back({{"type", limit.type}, {"soft", limit.soft}, {"hard", limit.hard}});
  }
  json process = {{"terminal", input.terminal},
                  {"user", user},
                  {"args", input.args},
                  {"env", input.env},
                  {"cwd", input.cwd},
                  {"capabilities",
                   {{"bounding", input.capabilities},
                    {"effective", input.capabilities},
                    {"permitted", input.capabilities}}},
                  {"noNewPrivileges", input.no_new_privileges},
                  {"oomScoreAdj", input.oom_score_adj}};
  if (!rlimits.empty()) process["rlimits"] = rlimits;
  if (!input.apparmor_profile.empty()) process["apparmorProfile"] = input.apparmor_profile;
  return process;
}

// Sorted, each path once (as CRI-O lists them).
std::vector<std::string> Union(std::initializer_list<const std::vector<std::string>*> lists) {
  std::vector<std::string> out;
  for (const std::vector<std::string>* list : lists)
    out.insert(out.end(), list->begin(), list->end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

json ResourcesToJson(const spec::Resources& resources) { return LinuxResources(resources); }

const std::vector<std::string>& DefaultMaskedPaths() {
  static const std::vector<std::string> paths = {"/proc/acpi",
                                                 "/proc/asound",
                                                 "/proc/interrupts",
                                                 "/proc/kcore",
                                                 "/proc/keys",
                                                 "/proc/latency_stats",
                                                 "/proc/sched_debug",
                                                 "/proc/scsi",
                                                 "/proc/timer_list",
                                                 "/proc/timer_stats",
                                                 "/sys/devices/virtual/powercap",
                                                 "/sys/firmware",
                                                 "/sys/fs/selinux"};
  return paths;
}

const std::vector<std::string>& DefaultReadonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

std::vector<std::string> HostMaskedPaths(const std::string& sys) {
  std::vector<std::string> paths;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(sys + "/devices/system/cpu", error)) {
    const std::string name = entry.path().filename().string();  // the glob's cpu*
    std::error_code ignored;
    if (name.starts_with("cpu") &&
        std::filesystem::is_directory(entry.path() / "thermal_throttle", ignored)) {
      paths.push_back("/sys/devices/system/cpu/" + name + "/thermal_throttle");
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

json BuildSpec(const ContainerSpecInput& input) {
  json resources = LinuxResources(input.resources);
  // Deny every device but those the runtime adds by default (/dev/null, /dev/zero, ...);
  // privileged containers may use them all.
  resources["devices"] = json::array({{{"allow", input.privileged}, {"access", "rwm"}}});
  json devices = json::array();
  for (const Device& device : input.devices) {
    devices.push_back({{"path", device.path},
                       {"type", std::string(1, device.type)},
                       {"major", device.major},
                       {"minor", device.minor},
                       {"fileMode", device.file_mode},
                       {"uid", device.uid},
                       {"gid", device.gid}});
    if (input.privileged) continue;  // already allowed
    resources["devices"].push_back({{"allow", true},
                                    {"type", std::string(1, device.type)},
                                    {"major", device.major},
                                    {"minor", device.minor},
                                    {"access", device.access}});
  }
  json linux_section = {{"namespaces", Namespaces(input)},
                        {"resources", resources},
                        {"cgroupsPath", input.cgroups_path}};
  if (!devices.empty()) linux_section["devices"] = devices;
  // Mount propagation into or out of the container needs the rootfs to propagate too.
  for (const char* propagation : {"rshared", "rslave"}) {
    if (std::any_of(input.mounts.begin(), input.mounts.end(), [&](const Mount& mount) {
          return std::find(mount.options.begin(), mount.options.end(), propagation) !=
                 mount.options.end();
        })) {
      linux_section["rootfsPropagation"] = propagation;
      break;
    }
  }
  if (!input.privileged) {
    linux_section["maskedPaths"] =
        Union({&DefaultMaskedPaths(), &input.host_masked_paths, &input.masked_paths});
    linux_section["readonlyPaths"] = Union({&DefaultReadonlyPaths(), &input.readonly_paths});
  }
  if (input.seccomp) linux_section["seccomp"] = *input.seccomp;
  json spec = {{"ociVersion", "1.0.2"},
               {"process", Process(input)},
               {"root", {{"path", input.rootfs}, {"readonly", input.readonly_rootfs}}},
               {"hostname", input.hostname},
               {"mounts", Mounts(input)},
               {"annotations", input.annotations},
               {"linux", linux_section}};
  return spec;
}

}  // namespace crio::spec
