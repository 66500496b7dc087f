// Metrics: crio's Prometheus counters (CRI-O's names, under the `container_runtime_` prefix,
// as CRI-O exposes them) and their text exposition (format 0.0.4). The edge counts every
// CRI call, the puller every blob it fetches or finds stored, the container layer every OOM
// kill; the rest is read when scraped (Sources): events dropped, defunct children and this
// process's own figures (process_metrics.h).
//
// Only the collectors named at construction are exposed, by CRI-O's collector keys
// ("operations_total", "image_pulls_layer_size"... without prefixes; see
// config::kMetricsCollectors). CRI-O 1.26's deprecated families ("operations",
// "operations_latency_microseconds_total", "containers_oom"...) are there too, with their
// operation_type label and microseconds, as operators' dashboards still read them.
// Thread-safe: counters live under one mutex, taken briefly per count and per scrape.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// The quantiles CRI-O's latency summaries report, and how long a call counts toward them
// (Prometheus' default summary age).
inline constexpr std::array<double, 3> kQuantiles = {0.5, 0.9, 0.99};
inline constexpr std::chrono::minutes kQuantileAge{10};

// The latencies of an operation's recent calls: those younger than kQuantileAge, the newest
// kMaxSamples of them.
class LatencyWindow {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxSamples = 512;

  void Add(double seconds, Clock::time_point now);
  // The `quantiles` of the samples still young at `now` (nearest rank), in the same order;
  // NaN each when there is none, as Prometheus reports an empty summary.
  std::array<double, kQuantiles.size()> Quantiles(Clock::time_point now) const;

 private:
  std::deque<std::pair<Clock::time_point, double>> samples_;  // oldest first
};

// A blob a pull fetched from a registry.
struct FetchedBlob {
  std::string_view image;  // the image pulled, as the pull resolved its name
  uint64_t image_size = 0;  // its manifest's config and layers, compressed
  std::string_view digest;
  std::string_view media_type;
  uint64_t size = 0;         // per its descriptor
  uint64_t transferred = 0;  // bytes that came over the wire (fewer when the fetch failed)
  bool is_layer = false;
};

// The `size` label of a blob of `bytes`: its bucket's bound ("1KiB", "10MiB", "1GiB"), or
// "+Inf" beyond the last.
std::string SizeLabel(uint64_t bytes);

class Metrics {
 public:
  explicit Metrics(std::set<std::string, std::less<>> collectors,
                   std::function<LatencyWindow::Clock::time_point()> now = [] {
                     return LatencyWindow::Clock::now();
                   })
      : collectors_(std::move(collectors)), now_(std::move(now)) {}

  // One CRI call of `operation` ("RunPodSandbox") that took `seconds` and ended in `code`.
  void CountOperation(std::string_view operation, absl::StatusCode code, double seconds);
  // A step inside an operation ("network_setup_pod"): only its latency is summed.
  void CountStep(std::string_view step, double seconds);

  // One PullImage of `image`: OK, or failed with `error` (a gRPC code name: "NOT_FOUND").
  void CountPull(std::string_view image, bool ok, std::string_view error);
  void CountBlobFetched(const FetchedBlob& blob);
  // A layer a pull of `image` did not fetch because it was stored already.
  void CountLayerReused(std::string_view image, std::string_view digest, uint64_t blob_size);

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
    LatencyWindow recent;
  };
  struct Histogram {
    std::array<uint64_t, kLayerSizeBounds.size()> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  using Tally = std::map<std::string, uint64_t, std::less<>>;
  using Labels = std::vector<std::string>;  // label values, in the family's label order
  // Everything counted; Render copies it under mu_ and formats the copy without the lock.
  struct Counters {
    std::map<std::string, Operation, std::less<>> operations;
    std::map<std::string, Operation, std::less<>> steps;  // network_setup_pod...: time only
    uint64_t pulls_ok = 0;
    Tally pulls_ok_by_name;
    Tally pull_failures;                                                   // by error
    std::map<Labels, uint64_t> pull_failures_by_name;                      // name, error
    std::map<std::pair<std::string, std::string>, uint64_t> pulled_bytes;  // by media type, size
    std::map<Labels, uint64_t> pulled_by_digest;  // name, digest, media type, size
    std::map<Labels, uint64_t> pulled_by_name;    // name, image size
    Tally skipped_bytes;                          // by size label
    Tally skipped_by_name;
    Histogram layer_sizes;
    Tally reused_layers;  // by IMAGE@DIGEST
    uint64_t ooms = 0;
    Tally ooms_by_name;
  };

  // Appends NAME's HELP and TYPE lines when its collector is selected; says whether it is.
  bool Open(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) const;
  void RenderOperations(const Counters& counters, std::string& out) const;
  // CRI-O 1.26's deprecated operation families (operation_type label, microseconds).
  void RenderDeprecatedOperations(const Counters& counters, std::string& out) const;
  void RenderLatencySummary(const Counters& counters, std::string_view name,
                            std::string_view label, double scale, std::string& out) const;
  void RenderPulls(const Counters& counters, std::string& out) const;
  void RenderDeprecatedPulls(const Counters& counters, std::string& out) const;
  void RenderContainers(const Counters& counters, const Sources& sources, std::string& out) const;

  const std::set<std::string, std::less<>> collectors_;
  const std::function<LatencyWindow::Clock::time_point()> now_;
  mutable std::mutex mu_;
  Counters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::metrics
