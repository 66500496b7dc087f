// The OCI runtime spec (config.json) of a container: CRI-O's defaults (mounts, masked and
// readonly paths, namespaces, capabilities, rlimits) with everything the request and the
// pod decided, assembled from plain values. A pure function, no I/O: the caller resolves
// the image, the user and the pod's paths first.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace crio::spec {

struct Mount {
  std::string destination;
  std::string type = "bind";
  std::string source;
  std::vector<std::string> options;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t soft = 0;
  uint64_t hard = 0;
};

struct Device {
  std::string path;  // inside the container
  char type = 'c';   // 'c' or 'b'
  int64_t major = 0;
  int64_t minor = 0;
  uint32_t file_mode = 0666;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string access = "rwm";  // cgroup permissions: some of r, w, m
};

struct Resources {
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_shares = 0;
  int64_t memory_limit = 0;
  int64_t memory_swap = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  int64_t pids_limit = 0;                           // 0: none
  std::map<std::string, uint64_t> hugepage_limits;  // page size ("2MB") → bytes
  std::map<std::string, std::string> unified;
};

struct ContainerSpecInput {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  bool terminal = false;
  std::string rootfs;
  bool readonly_rootfs = false;
  std::string hostname;
  // The pod's namespaces to join; an empty path means the host's (no entry). pid: a new
  // one unless `pid_path` names one to join or `host_pid`.
  std::string netns_path;
  std::string ipcns_path;
  std::string utsns_path;
  std::string pid_path;
  bool host_pid = false;
  bool host_network = false;
  std::vector<Mount> mounts;    // pod files and CRI mounts, on top of the defaults
  std::vector<Device> devices;  // created in the container and allowed in its cgroup
  bool privileged = false;
  std::vector<std::string> capabilities;  // "CAP_…", final
  bool no_new_privileges = false;
  // Unprivileged containers get these on top of CRI-O's defaults, never instead of them.
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  // Host-specific default masks (HostMaskedPaths), resolved by the caller.
  std::vector<std::string> host_masked_paths;
  // The host mounts cgroup v2 at /sys/fs/cgroup: unprivileged containers get a cgroup
  // namespace of their own, so /proc/self/cgroup and the cgroup mount show only their
  // subtree. (The caller probes it: this function does no I/O.)
  bool cgroup_v2 = false;
  std::vector<Rlimit> rlimits;
  int oom_score_adj = 0;
  std::string cgroups_path;
  Resources resources;
  std::map<std::string, std::string> annotations;
  std::optional<nlohmann::json> seccomp;
  std::string apparmor_profile;  // process.apparmorProfile; empty: none
};

nlohmann::json BuildSpec(const ContainerSpecInput& input);

// The OCI LinuxResources of `resources` (what `runtime update --resources -` reads); no
// device rules, which an update must not touch.
nlohmann::json ResourcesToJson(const Resources& resources);

// CRI-O's default masked and readonly paths, the same on every host.
const std::vector<std::string>& DefaultMaskedPaths();
const std::vector<std::string>& DefaultReadonlyPaths();

// The default masks that depend on the host: each CPU's thermal_throttle directory
// (/sys/devices/system/cpu/cpu*/thermal_throttle) under `sys` that exists. Reads the
// directory; called once at start-up.
std::vector<std::string> HostMaskedPaths(const std::string& sys = "/sys");

}  // namespace crio::spec
