// Cgroups that crio makes itself, through cgroupfs: conmon's (monitor_cgroup), placed
// before conmon starts the container so that conmon and the runtime's create run there.
//
// A cgroup is named by its path below each hierarchy's root ("/pod_123/crio-conmon-ID") and
// made in every mounted hierarchy: each cgroup v1 one and the cgroup v2 tree (the unified
// mount of a hybrid host too), as the kernel and systemd keep a process placed in all of
// them. Missing parents are made on the way; a new v1 cpuset cgroup inherits its parent's
// cpus and mems, as the kernel requires before a task may join. Stateless; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::sys {

// One mounted cgroup hierarchy.
struct CgroupHierarchy {
  std::string mount_point;  // "/sys/fs/cgroup/cpuset"
  bool v2 = false;
  std::vector<std::string> controllers;  // v1: the mount's ("cpu", "cpuacct", "name=systemd")
};

// The hierarchies in /proc/self/mountinfo text.
std::vector<CgroupHierarchy> ParseCgroupMounts(const std::string& mountinfo);
// This process's view: /proc/self/mountinfo.
absl::StatusOr<std::vector<CgroupHierarchy>> MountedCgroupHierarchies();

// CPU limits for a cgroup crio makes; empty / 0 leave the inherited value.
struct CgroupCpu {
  std::string cpuset;   // "0-1,3" (cpuset.cpus)
  uint64_t shares = 0;  // v1 cpu.shares; on v2 converted to cpu.weight as runc and crun do
};

// cpu.weight for v1 `shares`: 1 + ((shares - 2) * 9999) / 262142.
uint64_t SharesToWeight(uint64_t shares);

// Makes `path` in each hierarchy, applies `cpu` where a hierarchy has that controller (on
// v2, enabling it in the parents' cgroup.subtree_control), and moves `pid` there.
absl::Status PlaceInNewCgroup(pid_t pid, const std::string& path, const CgroupCpu& cpu,
                              const std::vector<CgroupHierarchy>& hierarchies);

// Makes `path` in each hierarchy for no process to join: a v1 cpuset cgroup gets
// cpuset.sched_load_balance 0, so that an idle cgroup never holds up turning load balancing
// off on a CPU (CRI-O's rule). OK when it is there already.
absl::Status MakeIdleCgroup(const std::string& path,
                            const std::vector<CgroupHierarchy>& hierarchies);

// Removes `path`'s directory (not its parents) from each hierarchy; one already gone is
// fine. FAILED_PRECONDITION names the hierarchy where processes still hold it.
absl::Status RemoveCgroup(const std::string& path,
                          const std::vector<CgroupHierarchy>& hierarchies);

// The processes in `path`, in any hierarchy (pids as this process sees them).
std::vector<pid_t> CgroupProcesses(const std::string& path,
                                   const std::vector<CgroupHierarchy>& hierarchies);

// The cgroupfs path of `child` below `parent` ("kubepods/pod1/", "/kubepods/pod1" or ""),
// always absolute: "/kubepods/pod1/CHILD", or "/CHILD" without a parent.
std::string CgroupfsChild(std::string_view parent, std::string_view child);

// systemd's cgroup path for a slice name: "a-b.slice" -> "/a.slice/a-b.slice",
// "system.slice" -> "/system.slice", "-.slice" -> "/". INVALID_ARGUMENT when `slice` is
// not NAME.slice.
absl::StatusOr<std::string> SlicePath(const std::string& slice);

}  // namespace crio::sys
