// ContainerStatsCollector: one container's usage for ContainerStats and ListContainerStats:
// its cgroup's CPU and memory (cgroup_stats.h), the CPU rate since the previous sample of
// the same container, and its writable layer's size; and, for pod metrics only, the
// further cgroup details they ask for (cgroup_details.h).
//
// Thread-safe: the previous samples are kept under `mu_`; everything else is read from
// the kernel and the disk per call, without holding any lock, so collecting never blocks
// lifecycle calls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "container/container.h"
#include "stats/cgroup_details.h"
#include "stats/cgroup_stats.h"
#include "storage/container_layers.h"

namespace crio::stats {

struct ContainerUsage {
  int64_t timestamp = 0;               // ns since the epoch
  std::optional<CgroupUsage> cgroup;   // absent when the container has no process
  CgroupDirs cgroup_dirs;              // where `cgroup` was read
  std::optional<uint64_t> nano_cores;  // absent until a second sample
  storage::Usage writable_layer;
  std::string writable_layer_mountpoint;
};

struct CollectorOptions {
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string proc_root = "/proc";
  std::function<int64_t()> now_ns;  // real time when empty
};

class ContainerStatsCollector {
 public:
  ContainerStatsCollector(CollectorOptions options, const storage::ContainerLayers& layers)
      : options_(std::move(options)), layers_(layers) {}

  // Whether a Collect takes part in the CPU rate: the stats rpcs' samples do; pod metrics'
  // (which report no rate) must not, or the next stats call would see a rate over the
  // moment between the two.
  enum class CpuRate { kSample, kSkip };

  ContainerUsage Collect(const container::Container& container, CpuRate rate = CpuRate::kSample);
  // The `groups` of details pod metrics report, of a container `usage` (its Collect) found
  // running; empty when it was not.
  CgroupDetails CollectDetails(const container::Container& container, const ContainerUsage& usage,
                               const DetailGroups& groups) const;

  // The CPU rate (nano-cores) of `key` (a container ID, or "pod:ID" for a pod's total)
  // between its previous sample and this one, which replaces it; nullopt the first time.
  std::optional<uint64_t> NanoCores(const std::string& key, uint64_t cpu_ns, int64_t timestamp);
  int64_t Now() const;

 private:
  struct CpuSample {
    uint64_t cpu_ns = 0;
    int64_t timestamp = 0;
  };

  const CollectorOptions options_;
  const storage::ContainerLayers& layers_;
  std::mutex mu_;
  std::map<std::string, CpuSample> previous_ ABSL_GUARDED_BY(mu_);
  int64_t last_forget_ ABSL_GUARDED_BY(mu_) = 0;  // when stale samples were last dropped
};

}  // namespace crio::stats
