#include "stats/cgroup_details.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "common/read_file.h"
#include "fmt/format.h"
#include "stats/cgroup_files.h"
#include "sys/proc_files.h"

namespace crio::stats {
namespace {

constexpr uint64_t kMaxProcFile = 1 << 20;  // cgroup.procs of a big container, blkio files

std::optional<std::string> ReadOptionalFile(const std::string& path, uint64_t max_bytes) {
  auto text = ReadFileToString(path, max_bytes);
  return text.ok() ? std::optional(*std::move(text)) : std::nullopt;
}

std::optional<uint64_t> Scaled(std::optional<uint64_t> value, uint64_t factor) {
  return value ? std::optional(*value * factor) : std::nullopt;
}

CpuDetails ReadCpu(const CgroupDirs& dirs) {
  CpuDetails cpu;
  if (dirs.unified) {
    const std::optional<KeyedValues> stat = ReadOptionalKeyedFile(dirs.cpu + "/cpu.stat");
    if (!stat) return cpu;
    cpu.user_ns = Scaled(Find(*stat, "user_usec"), 1000);
    cpu.system_ns = Scaled(Find(*stat, "system_usec"), 1000);
    cpu.periods = Find(*stat, "nr_periods");
    cpu.throttled_periods = Find(*stat, "nr_throttled");
    cpu.throttled_ns = Scaled(Find(*stat, "throttled_usec"), 1000);
    return cpu;
  }
  if (const auto stat = ReadOptionalKeyedFile(dirs.cpu + "/cpuacct.stat")) {
    const long ticks_per_second = ::sysconf(_SC_CLK_TCK);  // USER_HZ: 100 on Linux
    const uint64_t ns_per_tick =
        1'000'000'000 / static_cast<uint64_t>(ticks_per_second > 0 ? ticks_per_second : 100);
    cpu.user_ns = Scaled(Find(*stat, "user"), ns_per_tick);
    cpu.system_ns = Scaled(Find(*stat, "system"), ns_per_tick);
  }
  if (dirs.cfs.empty()) return cpu;
  if (const auto stat = ReadOptionalKeyedFile(dirs.cfs + "/cpu.stat")) {
    cpu.periods = Find(*stat, "nr_periods");
    cpu.throttled_periods = Find(*stat, "nr_throttled");
    cpu.throttled_ns = Find(*stat, "throttled_time");
  }
  return cpu;
}

MemoryDetails ReadMemory(const CgroupDirs& dirs) {
  MemoryDetails memory;
  const std::string& dir = dirs.memory;
  const std::optional<KeyedValues> stat = ReadOptionalKeyedFile(dir + "/memory.stat");
  if (dirs.unified) {
    if (stat) {
      memory.cache_bytes = Find(*stat, "file");
      memory.mapped_file_bytes = Find(*stat, "file_mapped");
      memory.kernel_bytes = Find(*stat, "kernel");
    }
    memory.max_usage_bytes = ReadOptionalNumber(dir + "/memory.peak");
    if (const auto events = ReadOptionalKeyedFile(dir + "/memory.events")) {
      memory.failcnt = Find(*events, "max");
    }
    return memory;
  }
  if (stat) {
    memory.cache_bytes = Find(*stat, "total_cache");
    memory.mapped_file_bytes = Find(*stat, "total_mapped_file");
  }
  memory.kernel_bytes = ReadOptionalNumber(dir + "/memory.kmem.usage_in_bytes");
  memory.max_usage_bytes = ReadOptionalNumber(dir + "/memory.max_usage_in_bytes");
  memory.failcnt = ReadOptionalNumber(dir + "/memory.failcnt");
  return memory;
}

// hugetlb.<size>.usage_in_bytes and .max_usage_in_bytes (v1) or hugetlb.<size>.current
// (v2); the reservation files (hugetlb.<size>.rsvd.*) are not usage.
std::vector<HugetlbUsage> ReadHugetlb(const std::string& dir) {
  std::vector<HugetlbUsage> sizes;
  if (dir.empty()) return sizes;
  std::error_code ignored;
  for (auto it = std::filesystem::directory_iterator(dir, ignored);
       it != std::filesystem::directory_iterator(); it.increment(ignored)) {
    const std::string name = it->path().filename().string();
    std::string_view rest = name;
    if (!rest.starts_with("hugetlb.")) continue;
    rest.remove_prefix(std::string_view("hugetlb.").size());
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) continue;
    const std::string size(rest.substr(0, dot));
    const std::string_view file = rest.substr(dot + 1);
    if (file != "usage_in_bytes" && file != "current") continue;
    const std::optional<uint64_t> usage = ReadOptionalNumber(it->path().string());
    if (!usage) continue;
    HugetlbUsage found{.page_size = size, .usage_bytes = *usage};
    if (file == "usage_in_bytes") {
      found.max_usage_bytes =
          ReadOptionalNumber(fmt::format("{}/hugetlb.{}.max_usage_in_bytes", dir, size));
    }
    sizes.push_back(std::move(found));
  }
  std::ranges::sort(sizes, {}, &HugetlbUsage::page_size);
  return sizes;
}

std::optional<uint64_t> ReadOomKills(const CgroupDirs& dirs) {
  const std::string file = dirs.unified ? "/memory.events" : "/memory.oom_control";
  const std::optional<KeyedValues> values = ReadOptionalKeyedFile(dirs.memory + file);
  return values ? Find(*values, "oom_kill") : std::nullopt;
}

std::optional<std::vector<std::string>> ReadLines(const std::string& path) {
  const std::optional<std::string> text = ReadOptionalFile(path, kMaxProcFile);
  if (!text) return std::nullopt;
  std::vector<std::string> lines;
  std::istringstream stream(*text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Adds the open files and sockets of each of `pids` to `process`.
void CountOpenFiles(const std::vector<std::string>& pids, const std::string& proc_root,
                    ProcessDetails& process) {
  uint64_t files = 0, sockets = 0;
  for (const std::string& pid : pids) {
    const sys::OpenFiles open = sys::CountOpenFiles(fmt::format("{}/{}", proc_root, pid));
    files += open.files;
    sockets += open.sockets;
  }
  process.file_descriptors = files;
  process.sockets = sockets;
}

ProcessDetails ReadProcess(const CgroupDirs& dirs, pid_t init_pid, const std::string& proc_root) {
  ProcessDetails process;
  // v1: any hierarchy lists the same processes; pids is the one that also counts them.
  const std::string& dir = dirs.pids.empty() ? dirs.memory : dirs.pids;
  const std::optional<std::vector<std::string>> pids = ReadLines(dir + "/cgroup.procs");
  if (pids) {
    process.processes = pids->size();
    CountOpenFiles(*pids, proc_root, process);
  }
  if (auto threads = ReadLines(dir + (dirs.unified ? "/cgroup.threads" : "/tasks"))) {
    process.threads = threads->size();
  }
  if (!dirs.pids.empty()) process.threads_max = ReadLimit(dirs.pids + "/pids.max");
  process.max_open_files = sys::SoftOpenFilesLimit(fmt::format("{}/{}", proc_root, init_pid));
  return process;
}

// cpu.weight back to the cpu.shares it was converted from (the OCI runtimes' formula).
uint64_t WeightToShares(uint64_t weight) { return 2 + ((weight - 1) * 262142) / 9999; }

SpecDetails ReadSpec(const CgroupDirs& dirs) {
  SpecDetails spec;
  if (dirs.unified) {
    if (auto cpu_max = ReadOptionalFile(dirs.cfs + "/cpu.max", kMaxCgroupFile)) {
      std::istringstream fields(*cpu_max);
      std::string quota, period;
      fields >> quota >> period;
      spec.cpu_quota_us = ParseNumber(quota);  // "max": none
      spec.cpu_period_us = ParseNumber(period);
    }
    const std::optional<uint64_t> weight = ReadOptionalNumber(dirs.cfs + "/cpu.weight");
    if (weight && *weight > 0) spec.cpu_shares = WeightToShares(*weight);
    spec.memory_limit_bytes = ReadLimit(dirs.memory + "/memory.max");
    spec.memory_reservation_bytes = ReadLimit(dirs.memory + "/memory.low");
    spec.memory_swap_limit_bytes = ReadLimit(dirs.memory + "/memory.swap.max");
    return spec;
  }
  if (!dirs.cfs.empty()) {
    spec.cpu_period_us = ReadOptionalNumber(dirs.cfs + "/cpu.cfs_period_us");
    spec.cpu_quota_us = ReadOptionalNumber(dirs.cfs + "/cpu.cfs_quota_us");  // -1: none
    spec.cpu_shares = ReadOptionalNumber(dirs.cfs + "/cpu.shares");
  }
  spec.memory_limit_bytes = ReadLimit(dirs.memory + "/memory.limit_in_bytes");
  spec.memory_reservation_bytes = ReadLimit(dirs.memory + "/memory.soft_limit_in_bytes");
  spec.memory_swap_limit_bytes = ReadLimit(dirs.memory + "/memory.memsw.limit_in_bytes");
  return spec;
}

std::vector<DeviceIo> ReadIo(const CgroupDirs& dirs) {
  if (dirs.blkio.empty()) return {};
  if (dirs.unified) {
    const std::optional<std::string> text =
        ReadOptionalFile(dirs.blkio + "/io.stat", kMaxCgroupFile);
    return text ? ParseIoStat(*text) : std::vector<DeviceIo>{};
  }
  std::vector<DeviceIo> io;
  for (const bool bytes : {true, false}) {
    const std::string base =
        dirs.blkio + (bytes ? "/blkio.throttle.io_service_bytes" : "/blkio.throttle.io_serviced");
    std::optional<std::string> text = ReadOptionalFile(base + "_recursive", kMaxProcFile);
    if (!text) text = ReadOptionalFile(base, kMaxProcFile);
    if (text) ParseBlkioFile(*text, bytes, io);
  }
  return io;
}

std::optional<Pressure> ReadPressure(const std::string& dir, const char* resource) {
  if (dir.empty()) return std::nullopt;
  const std::optional<std::string> text =
      ReadOptionalFile(fmt::format("{}/{}.pressure", dir, resource), kMaxCgroupFile);
  return text ? ParsePressure(*text) : std::nullopt;
}

DeviceIo& DeviceEntry(std::vector<DeviceIo>& io, const std::string& device) {
  for (DeviceIo& entry : io) {
    if (entry.device == device) return entry;
  }
  return io.emplace_back(DeviceIo{.device = device});
}

}  // namespace

std::vector<DeviceIo> ParseIoStat(const std::string& text) {
  std::vector<DeviceIo> io;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string device;
    if (!(fields >> device)) continue;
    DeviceIo entry{.device = device};
    for (std::string field; fields >> field;) {
      const size_t equals = field.find('=');
      if (equals == std::string::npos) continue;
      const std::string key = field.substr(0, equals);
      const std::optional<uint64_t> value = ParseNumber(std::string_view(field).substr(equals + 1));
      if (key == "rbytes") entry.read_bytes = value;
      if (key == "wbytes") entry.write_bytes = value;
      if (key == "rios") entry.reads = value;
      if (key == "wios") entry.writes = value;
    }
    io.push_back(std::move(entry));
  }
  return io;
}

void ParseBlkioFile(const std::string& text, bool bytes, std::vector<DeviceIo>& io) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string device, operation, value_text;
    if (!(fields >> device >> operation >> value_text)) continue;  // "Total N"
    if (operation != "Read" && operation != "Write") continue;
    const std::optional<uint64_t> value = ParseNumber(value_text);
    if (!value) continue;
    DeviceIo& entry = DeviceEntry(io, device);
    const bool read = operation == "Read";
    std::optional<uint64_t>& slot =
        bytes ? (read ? entry.read_bytes : entry.write_bytes) : (read ? entry.reads : entry.writes);
    slot = *value;
  }
}

// "some avg10=0.00 avg60=0.00 avg300=0.00 total=123" and, but for cpu on old kernels,
// the same for "full".
std::optional<Pressure> ParsePressure(const std::string& text) {
  Pressure pressure;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t total = line.find("total=");
    if (total == std::string::npos) continue;
    const std::optional<uint64_t> value =
        ParseNumber(std::string_view(line).substr(total + std::string_view("total=").size()));
    if (line.starts_with("some ")) pressure.some_us = value;
    if (line.starts_with("full ")) pressure.full_us = value;
  }
  if (!pressure.some_us && !pressure.full_us) return std::nullopt;
  return pressure;
}

CgroupDetails ReadCgroupDetails(const CgroupDirs& dirs, const DetailGroups& groups, pid_t init_pid,
                                const std::string& proc_root) {
  CgroupDetails details;
  if (groups.cpu) details.cpu = ReadCpu(dirs);
  if (groups.memory) details.memory = ReadMemory(dirs);
  if (groups.hugetlb) details.hugetlb = ReadHugetlb(dirs.hugetlb);
  if (groups.oom) details.oom_kills = ReadOomKills(dirs);
  if (groups.process) details.process = ReadProcess(dirs, init_pid, proc_root);
  if (groups.spec) details.spec = ReadSpec(dirs);
  if (groups.disk_io) details.io = ReadIo(dirs);
  if (groups.pressure) {
    details.cpu_pressure = ReadPressure(dirs.unified_dir, "cpu");
    details.memory_pressure = ReadPressure(dirs.unified_dir, "memory");
    details.io_pressure = ReadPressure(dirs.unified_dir, "io");
  }
  return details;
}

}  // namespace crio::stats
