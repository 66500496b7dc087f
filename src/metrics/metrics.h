// Metrics: crio's Prometheus counters (CRI-O's names, under the `container_runtime_` prefix,
// as CRI-O exposes them) and their text exposition (format 0.0.4). The edge counts every
// CRI call, the puller every blob it fetches or finds stored, the container layer every OOM
// kill; the rest is read when scraped (Sources): events dropped, defunct children and this
// process's own figures (process_metrics.h).
//
// Only the collectors named at construction are exposed, by CRI-O's collector keys
// ("operations_total", "image_pulls_layer_size"... without prefixes; see
// config::kMetricsCollectors). Thread-safe: counters live under one mutex, taken briefly per
// count and per scrape.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace crio::metrics {

// What a scrape reads from elsewhere.
struct Sources {
  std::function<uint64_t()> events_dropped;  // crio_containers_events_dropped_total
  std::string default_runtime;               // crio_default_runtime{runtime=...} 1
  std::string proc_self = "/proc/self";      // for the process metrics
};

// The byte bounds of crio_image_pulls_layer_size's buckets and of the `size` label of the
// pull byte counters: 1 KiB, 1 MiB, 10 MiB … 1 GiB, 10 GiB.
inline constexpr std::array<uint64_t, 11> kLayerSizeBounds = {
    uint64_t{1} << 10,   uint64_t{1} << 20,   uint64_t{10} << 20,  uint64_t{50} << 20,
    uint64_t{100} << 20, uint64_t{200} << 20, uint64_t{300} << 20, uint64_t{400} << 20,
    uint64_t{500} << 20, uint64_t{1} << 30,   uint64_t{10} << 30};

// The `size` label of a blob of `bytes`: its bucket's bound ("1KiB", "10MiB", "1GiB"), or
// "+Inf" beyond the last.
std::string SizeLabel(uint64_t bytes);

class Metrics {
 public:
  explicit Metrics(std::set<std::string, std::less<>> collectors)
      : collectors_(std::move(collectors)) {}

  // One CRI call of `operation` ("RunPodSandbox") that took `seconds` and ended in `code`.
  void CountOperation(std::string_view operation, absl::StatusCode code, double seconds);
  // A step inside an operation ("network_setup_pod"): only its latency is summed.
  void CountStep(std::string_view step, double seconds);

  // One PullImage: OK, or failed with `error` (a gRPC code name: "NOT_FOUND", "UNAVAILABLE").
  void CountPull(bool ok, std::string_view error);
  // A blob of `blob_size` bytes fetched from a registry: `transferred` bytes came over the wire.
  void CountBlobFetched(std::string_view media_type, uint64_t blob_size, uint64_t transferred,
                        bool is_layer);
  // A layer the pull did not fetch because it was stored already.
  void CountLayerReused(std::string_view digest, uint64_t blob_size);

  // A container the kernel killed for running out of memory; `name` is its CRI name.
  void CountOom(std::string_view name);

  // The text a GET /metrics answers.
  std::string Render(const Sources& sources) const;

 private:
  struct Operation {
    uint64_t calls = 0;
    uint64_t errors = 0;
    double seconds = 0;
    double last_seconds = 0;
  };
  struct Histogram {
    std::array<uint64_t, kLayerSizeBounds.size()> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  using Tally = std::map<std::string, uint64_t, std::less<>>;
  // Everything counted; Render copies it under mu_ and formats the copy without the lock.
  struct Counters {
    std::map<std::string, Operation, std::less<>> operations;
    std::map<std::string, Operation, std::less<>> steps;  // network_setup_pod...: time only
    uint64_t pulls_ok = 0;
    Tally pull_failures;                                                   // by error
    std::map<std::pair<std::string, std::string>, uint64_t> pulled_bytes;  // by media type, size
    Tally skipped_bytes;                                                   // by size label
    Histogram layer_sizes;
    Tally reused_layers;  // by digest
    uint64_t ooms = 0;
    Tally ooms_by_name;
  };

  // Appends NAME's HELP and TYPE lines when its collector is selected; says whether it is.
  bool Open(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) const;
  void RenderOperations(const Counters& counters, std::string& out) const;
  void RenderPulls(const Counters& counters, std::string& out) const;
  void RenderContainers(const Counters& counters, const Sources& sources, std::string& out) const;

  const std::set<std::string, std::less<>> collectors_;
  mutable std::mutex mu_;
  Counters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::metrics
