// PeriodicStats: [crio.stats] collection_period. A thread collects every container's and
// pod's stats and the pod metrics once per period; the stats and metrics rpcs answer from
// the latest collection instead of reading cgroups and namespaces per call (a container or
// pod the latest collection has not seen yet is collected on demand by the caller).
//
// Thread-safe. Collections replace the snapshot whole; readers share it without copying
// under the lock. The destructor stops the thread (waiting for a collection in progress).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "cri_api.h"

namespace crio::server {

class PeriodicStats {
 public:
  struct Snapshot {
    std::map<std::string, runtime::v1::ContainerStats> containers;  // by container ID
    std::map<std::string, runtime::v1::PodSandboxStats> pods;       // by pod ID
    google::protobuf::RepeatedPtrField<runtime::v1::PodSandboxMetrics> pod_metrics;
  };

  // Starts collecting with `collect` at once, then every `period`.
  PeriodicStats(std::chrono::milliseconds period, std::function<Snapshot()> collect);
  ~PeriodicStats();
  PeriodicStats(const PeriodicStats&) = delete;
  PeriodicStats& operator=(const PeriodicStats&) = delete;

  // The latest collection; null until the first one finished.
  std::shared_ptr<const Snapshot> Latest() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run(const std::stop_token& stop);

  const std::chrono::milliseconds period_;
  const std::function<Snapshot()> collect_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::shared_ptr<const Snapshot> latest_ ABSL_GUARDED_BY(mu_);
  std::jthread thread_;  // last: starts once everything above is initialised
};

}  // namespace crio::server
