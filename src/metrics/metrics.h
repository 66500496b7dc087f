// Metrics: crio's Prometheus counters (CRI-O's names, under the `container_runtime_` prefix,
// as CRI-O exposes them) and their text exposition (format 0.0.4). The edge counts every
// CRI call; the rest is read when scraped: events dropped, defunct children, this process's
// resident memory, open fds and start time.
//
// Thread-safe: counters live under one mutex, taken briefly per call and per scrape.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace crio::metrics {

// What a scrape reads from elsewhere.
struct Sources {
  std::function<uint64_t()> events_dropped;  // crio_containers_events_dropped_total
  std::string default_runtime;               // crio_default_runtime{runtime=...} 1
  std::string proc_self = "/proc/self";      // for the process metrics
};

class Metrics {
 public:
  explicit Metrics(Sources sources) : sources_(std::move(sources)) {}

  // One CRI call of `operation` ("RunPodSandbox") that took `seconds` and ended in `code`.
  void CountOperation(std::string_view operation, absl::StatusCode code, double seconds);

  // One PullImage: OK, or failed with `error` (a gRPC code name: "NOT_FOUND", "UNAVAILABLE").
  void CountPull(bool ok, std::string_view error);

  // The text a GET /metrics answers.
  std::string Render() const;

 private:
  struct Operation {
    uint64_t calls = 0;
    uint64_t errors = 0;
    double seconds = 0;
  };

  const Sources sources_;
  mutable std::mutex mu_;
  std::map<std::string, Operation, std::less<>> operations_ ABSL_GUARDED_BY(mu_);
  uint64_t pulls_ok_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, uint64_t, std::less<>> pull_failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::metrics
