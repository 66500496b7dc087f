#include "stats/container_stats.h"

#include <chrono>
#include <vector>

namespace crio::stats {
namespace {

// Samples older than this are of containers nobody asks about any more (or removed ones).
constexpr int64_t kForgetAfterNs = int64_t{10} * 60 * 1'000'000'000;

}  // namespace

ContainerUsage ContainerStatsCollector::Collect(const container::Container& container,
                                                CpuRate rate) {
  ContainerUsage usage{.timestamp = Now()};
  if (container.pid > 0 && container.state != container::ContainerState::kExited) {
    auto dirs = CgroupsOfProcess(container.pid, options_.cgroup_root, options_.proc_root);
    auto cgroup = dirs.ok() ? ReadCgroupUsage(*dirs) : dirs.status();
    if (cgroup.ok()) {
      if (rate == CpuRate::kSample) {
        usage.nano_cores = NanoCores(container.id, cgroup->cpu_ns, usage.timestamp);
      }
      usage.cgroup = *cgroup;
      usage.cgroup_dirs = *std::move(dirs);
    }
  }
  usage.writable_layer = layers_.WritableUsage(container.id);
  usage.writable_layer_mountpoint = layers_.MountPoint(container.id);
  return usage;
}

CgroupDetails ContainerStatsCollector::CollectDetails(const container::Container& container,
                                                      const ContainerUsage& usage,
                                                      const DetailGroups& groups) const {
  if (!usage.cgroup) return {};
  return ReadCgroupDetails(usage.cgroup_dirs, groups, container.pid, options_.proc_root);
}

std::optional<uint64_t> ContainerStatsCollector::NanoCores(const std::string& id, uint64_t cpu_ns,
                                                           int64_t timestamp) {
  const CpuSample sample{cpu_ns, timestamp};
  std::lock_guard lock(mu_);
  std::optional<uint64_t> rate;
  if (auto previous = previous_.find(id); previous != previous_.end()) {
    const CpuSample before = previous->second;
    if (sample.timestamp > before.timestamp && sample.cpu_ns >= before.cpu_ns) {
      const long double cores = static_cast<long double>(sample.cpu_ns - before.cpu_ns) /
                                static_cast<long double>(sample.timestamp - before.timestamp);
      rate = static_cast<uint64_t>(cores * 1e9L);
    }
  }
  previous_[id] = sample;
  // A sweep per sample would make a list of N containers cost N²; one per minute is enough.
  if (sample.timestamp - last_forget_ > kForgetAfterNs / 10) {
    last_forget_ = sample.timestamp;
    std::erase_if(previous_, [&](const auto& entry) {
      return sample.timestamp - entry.second.timestamp > kForgetAfterNs;
    });
  }
  return rate;
}

int64_t ContainerStatsCollector::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace crio::stats
