// Reading a process's cgroup usage (what ContainerStats and PodSandboxStats report) from
// cgroupfs, for cgroup v1 (each controller its own hierarchy) and v2 (one unified tree).
// The cgroups are found through /proc/PID/cgroup, so the systemd and cgroupfs managers
// need no separate paths. Stateless and thread-safe; the roots are parameters so tests can
// use a fake tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace crio::stats {

// The cgroup directories of one process; empty when the process has no such cgroup.
struct CgroupDirs {
  bool unified = false;  // cgroup v2: every path below is the same directory
  std::string cpu;       // v1: the cpuacct hierarchy's
  std::string memory;
  std::string pids;
  std::string cfs;  // v1: the cpu hierarchy's (CFS quota, shares, throttling)
  std::string blkio;
  std::string hugetlb;  // hybrid without a v1 hugetlb hierarchy: `unified_dir`
  // The v2 directory (*.pressure files): in v2 mode the same as the others; in hybrid
  // mode under ROOT/unified, empty when the process sits at the v2 root.
  std::string unified_dir;
};

// Parses /proc/PID/cgroup text. `root` is where the hierarchies are mounted
// ("/sys/fs/cgroup"); `unified` says whether it is a cgroup v2 mount.
absl::StatusOr<CgroupDirs> ParseProcCgroup(const std::string& text, const std::string& root,
                                           bool unified);

// The cgroups of `pid`, read from `proc_root`/PID/cgroup; the mode is probed at `root`.
absl::StatusOr<CgroupDirs> CgroupsOfProcess(pid_t pid, const std::string& root = "/sys/fs/cgroup",
                                            const std::string& proc_root = "/proc");

struct CgroupUsage {
  uint64_t cpu_ns = 0;             // cumulative CPU time
  uint64_t memory_bytes = 0;       // usage, page cache included
  uint64_t working_set_bytes = 0;  // usage minus inactive file pages
  uint64_t rss_bytes = 0;
  uint64_t page_faults = 0;
  uint64_t major_page_faults = 0;
  std::optional<uint64_t> memory_limit;  // absent when unlimited
  std::optional<uint64_t> swap_bytes;    // absent when swap is not accounted
  std::optional<uint64_t> swap_limit;
  std::optional<uint64_t> processes;  // absent without the pids controller
};

// The usage recorded in `dirs`; an error when the CPU or memory files cannot be read (the
// cgroup is gone).
absl::StatusOr<CgroupUsage> ReadCgroupUsage(const CgroupDirs& dirs);

}  // namespace crio::stats
