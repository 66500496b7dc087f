// The cgroup figures pod metrics (ListPodSandboxMetrics) report beyond what the stats rpcs
// need: CPU split and throttling, memory detail, hugetlb, OOM kills, processes and their
// file descriptors, the limits in effect, block I/O per device and pressure (PSI). Only the
// groups asked for are read, so the stats rpcs' cheap path (ReadCgroupUsage) stays cheap.
//
// Every figure is optional: a file this host or kernel does not have leaves it absent, never
// zero. Stateless and thread-safe; the roots are parameters so tests can use a fake tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stats/cgroup_stats.h"

namespace crio::stats {

// Which groups ReadCgroupDetails reads (the names of `included_pod_metrics`).
struct DetailGroups {
  bool cpu = false;
  bool memory = false;
  bool hugetlb = false;
  bool oom = false;
  bool process = false;
  bool spec = false;
  bool disk_io = false;
  bool pressure = false;
};

struct CpuDetails {
  std::optional<uint64_t> user_ns;  // v1: cpuacct.stat, USER_HZ resolution
  std::optional<uint64_t> system_ns;
  std::optional<uint64_t> periods;  // CFS enforcement periods elapsed
  std::optional<uint64_t> throttled_periods;
  std::optional<uint64_t> throttled_ns;
};

struct MemoryDetails {
  std::optional<uint64_t> cache_bytes;
  std::optional<uint64_t> mapped_file_bytes;
  std::optional<uint64_t> kernel_bytes;
  std::optional<uint64_t> max_usage_bytes;  // v2: memory.peak, on kernels that have it
  std::optional<uint64_t> failcnt;          // v2: the "max" count of memory.events
};

// One huge page size ("2MB"). cgroup v2 keeps no maximum, so `max_usage_bytes` is absent.
struct HugetlbUsage {
  std::string page_size;
  uint64_t usage_bytes = 0;
  std::optional<uint64_t> max_usage_bytes;
};

struct ProcessDetails {
  std::optional<uint64_t> processes;         // entries of cgroup.procs
  std::optional<uint64_t> threads;           // entries of tasks (v1) / cgroup.threads (v2)
  std::optional<uint64_t> threads_max;       // pids.max; absent when "max"
  std::optional<uint64_t> file_descriptors;  // open by the processes of cgroup.procs
  std::optional<uint64_t> sockets;
  std::optional<uint64_t> max_open_files;  // the init process's soft RLIMIT_NOFILE
};

// The limits in effect, as the cgroup files say; absent when unlimited.
struct SpecDetails {
  std::optional<uint64_t> cpu_period_us;
  std::optional<uint64_t> cpu_quota_us;
  std::optional<uint64_t> cpu_shares;  // v2: cpu.weight converted back to shares
  std::optional<uint64_t> memory_limit_bytes;
  std::optional<uint64_t> memory_reservation_bytes;
  std::optional<uint64_t> memory_swap_limit_bytes;  // v1: memsw, i.e. memory plus swap
};

// Block I/O of one device, "major:minor".
struct DeviceIo {
  std::string device;
  std::optional<uint64_t> read_bytes;
  std::optional<uint64_t> write_bytes;
  std::optional<uint64_t> reads;
  std::optional<uint64_t> writes;
};

// A PSI file's totals: time some / all non-idle tasks were stalled.
struct Pressure {
  std::optional<uint64_t> some_us;
  std::optional<uint64_t> full_us;
};

struct CgroupDetails {
  CpuDetails cpu;
  MemoryDetails memory;
  std::vector<HugetlbUsage> hugetlb;  // by page size
  std::optional<uint64_t> oom_kills;
  ProcessDetails process;
  SpecDetails spec;
  std::vector<DeviceIo> io;  // by device
  std::optional<Pressure> cpu_pressure;
  std::optional<Pressure> memory_pressure;
  std::optional<Pressure> io_pressure;
};

// The details of the `groups` asked for, from `dirs`; `init_pid`'s limits are read under
// `proc_root`, as are the open files of the processes of the cgroup.
CgroupDetails ReadCgroupDetails(const CgroupDirs& dirs, const DetailGroups& groups, pid_t init_pid,
                                const std::string& proc_root = "/proc");

// Parsers of single files, exposed for tests.
std::vector<DeviceIo> ParseIoStat(const std::string& text);  // v2 io.stat
// v1 blkio.throttle.io_service_bytes / io_serviced into `bytes` or `ops` of each device.
void ParseBlkioFile(const std::string& text, bool bytes, std::vector<DeviceIo>& io);
std::optional<Pressure> ParsePressure(const std::string& text);

}  // namespace crio::stats
