#include "stats/cgroup_stats.h"

#include <sys/stat.h>

#include <sstream>

#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "stats/cgroup_files.h"

namespace crio::stats {
namespace {

absl::StatusOr<CgroupUsage> ReadUnified(const std::string& dir) {
  CgroupUsage usage;
  ASSIGN_OR_RETURN(const auto cpu, ReadKeyedFile(dir + "/cpu.stat"));
  usage.cpu_ns = Get(cpu, "usage_usec") * 1000;
  ASSIGN_OR_RETURN(usage.memory_bytes, ReadNumber(dir + "/memory.current"));
  ASSIGN_OR_RETURN(const auto memory, ReadKeyedFile(dir + "/memory.stat"));
  const uint64_t inactive_file = Get(memory, "inactive_file");
  usage.working_set_bytes =
      usage.memory_bytes > inactive_file ? usage.memory_bytes - inactive_file : 0;
  usage.rss_bytes = Get(memory, "anon");
  usage.page_faults = Get(memory, "pgfault");
  usage.major_page_faults = Get(memory, "pgmajfault");
  usage.memory_limit = ReadLimit(dir + "/memory.max");
  usage.swap_bytes = ReadOptionalNumber(dir + "/memory.swap.current");
  usage.swap_limit = ReadLimit(dir + "/memory.swap.max");
  usage.processes = ReadOptionalNumber(dir + "/pids.current");
  return usage;
}

absl::StatusOr<CgroupUsage> ReadV1(const CgroupDirs& dirs) {
  CgroupUsage usage;
  ASSIGN_OR_RETURN(usage.cpu_ns, ReadNumber(dirs.cpu + "/cpuacct.usage"));
  ASSIGN_OR_RETURN(usage.memory_bytes, ReadNumber(dirs.memory + "/memory.usage_in_bytes"));
  ASSIGN_OR_RETURN(const auto memory, ReadKeyedFile(dirs.memory + "/memory.stat"));
  const uint64_t inactive_file = Get(memory, "total_inactive_file");
  usage.working_set_bytes =
      usage.memory_bytes > inactive_file ? usage.memory_bytes - inactive_file : 0;
  usage.rss_bytes = Get(memory, "total_rss");
  usage.page_faults = Get(memory, "total_pgfault");
  usage.major_page_faults = Get(memory, "total_pgmajfault");
  usage.memory_limit = ReadLimit(dirs.memory + "/memory.limit_in_bytes");
  // memsw counts memory plus swap; present only with swap accounting on.
  if (auto with_swap = ReadOptionalNumber(dirs.memory + "/memory.memsw.usage_in_bytes")) {
    usage.swap_bytes = *with_swap > usage.memory_bytes ? *with_swap - usage.memory_bytes : 0;
    const std::optional<uint64_t> limit = ReadLimit(dirs.memory + "/memory.memsw.limit_in_bytes");
    if (limit && usage.memory_limit && *limit >= *usage.memory_limit) {
      usage.swap_limit = *limit - *usage.memory_limit;
    }
  }
  if (!dirs.pids.empty()) usage.processes = ReadOptionalNumber(dirs.pids + "/pids.current");
  return usage;
}

}  // namespace

absl::StatusOr<CgroupDirs> ParseProcCgroup(const std::string& text, const std::string& root,
                                           bool unified) {
  CgroupDirs dirs{.unified = unified};
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t first = line.find(':');
    const size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    const bool v2_line = line.compare(0, first, "0") == 0 && controllers.empty();
    if (unified) {
      if (v2_line) {
        dirs.cpu = dirs.memory = dirs.pids = root + path;
        dirs.cfs = dirs.blkio = dirs.hugetlb = dirs.unified_dir = root + path;
      }
      continue;
    }
    // Hybrid: the v2 tree is mounted at ROOT/unified. A process left at its root has no
    // cgroup of its own there, so the host-wide files must not be taken for its own.
    if (v2_line) {
      if (path != "/") dirs.unified_dir = root + "/unified" + path;
      continue;
    }
    // v1: the hierarchy is mounted under the name of its controller list ("cpu,cpuacct").
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');) {
      const std::string dir = root + "/" + controllers + (path == "/" ? "" : path);
      if (name == "cpuacct") dirs.cpu = dir;
      if (name == "cpu") dirs.cfs = dir;
      if (name == "memory") dirs.memory = dir;
      if (name == "pids") dirs.pids = dir;
      if (name == "blkio") dirs.blkio = dir;
      if (name == "hugetlb") dirs.hugetlb = dir;
    }
  }
  // Hybrid hosts may run hugetlb on the v2 tree (it is not mounted as a v1 hierarchy).
  if (!unified && dirs.hugetlb.empty()) dirs.hugetlb = dirs.unified_dir;
  if (dirs.cpu.empty() || dirs.memory.empty()) {
    return absl::NotFoundError(fmt::format("no {} cgroup in /proc/PID/cgroup",
                                           unified ? "unified" : "cpuacct and memory"));
  }
  return dirs;
}

absl::StatusOr<CgroupDirs> CgroupsOfProcess(pid_t pid, const std::string& root,
                                            const std::string& proc_root) {
  ASSIGN_OR_RETURN(const std::string text,
                   ReadFileToString(fmt::format("{}/{}/cgroup", proc_root, pid), kMaxCgroupFile));
  struct stat info {};
  const bool unified = ::stat((root + "/cgroup.controllers").c_str(), &info) == 0;
  return ParseProcCgroup(text, root, unified);
}

absl::StatusOr<CgroupUsage> ReadCgroupUsage(const CgroupDirs& dirs) {
  return dirs.unified ? ReadUnified(dirs.cpu) : ReadV1(dirs);
}

}  // namespace crio::stats
