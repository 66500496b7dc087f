#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmt/format.h"
#include "metrics/process_metrics.h"

namespace crio::metrics {
namespace {

constexpr std::string_view kPrefix = "container_runtime_crio_";

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {}{} {}\n# TYPE {}{} {}\n", kPrefix, name, help, kPrefix, name, type);
}

// A label value as the exposition format quotes it.
std::string Quote(std::string_view value) {
  std::string quoted;
  for (const char c : value) {
    if (c == '\\' || c == '"') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  return quoted;
}

// A sample's value as the exposition format writes it (NaN, not fmt's "nan").
template <typename Number>
std::string Value(Number number) {
  if constexpr (std::is_floating_point_v<Number>) {
    if (std::isnan(number)) return "NaN";
  }
  return fmt::format("{}", number);
}

// One sample: NAME{LABEL="VALUE"} NUMBER, or NAME NUMBER without a label.
template <typename Number>
void Sample(std::string& out, std::string_view name, std::string_view label, std::string_view value,
            Number number) {
  if (label.empty()) {
    out += fmt::format("{}{} {}\n", kPrefix, name, Value(number));
  } else {
    out += fmt::format("{}{}{{{}=\"{}\"}} {}\n", kPrefix, name, label, Quote(value),
                       Value(number));
  }
}

// One sample per entry of `values`: NAME{L1="V1",L2="V2"...} VALUE, `labels` naming the keys'
// parts in order.
void Samples(std::string& out, std::string_view name,
             std::initializer_list<std::string_view> labels,
             const std::map<std::vector<std::string>, uint64_t>& values) {
  for (const auto& [key, value] : values) {
    std::string pairs;
    size_t i = 0;
    for (const std::string_view label : labels) {
      if (i > 0) pairs += ',';
      pairs += fmt::format("{}=\"{}\"", label, i < key.size() ? Quote(key[i]) : "");
      ++i;
    }
    out += fmt::format("{}{}{{{}}} {}\n", kPrefix, name, pairs, value);
  }
}

// One sample per entry of `values`: NAME{LABEL="KEY"} VALUE.
void Samples(std::string& out, std::string_view name, std::string_view label,
             const std::map<std::string, uint64_t, std::less<>>& values) {
  for (const auto& [key, value] : values) Sample(out, name, label, key, value);
}

// The value under `key`, made (zero) the first time; the key is copied only then.
template <typename Map>
typename Map::mapped_type& Entry(Map& map, std::string_view key) {
  auto found = map.find(key);
  if (found == map.end()) found = map.emplace(std::string(key), typename Map::mapped_type{}).first;
  return found->second;
}

}  // namespace

void LatencyWindow::Add(double seconds, Clock::time_point now) {
  while (!samples_.empty() &&
         (samples_.size() >= kMaxSamples || now - samples_.front().first >= kQuantileAge)) {
    samples_.pop_front();
  }
  samples_.emplace_back(now, seconds);
}

std::array<double, kQuantiles.size()> LatencyWindow::Quantiles(Clock::time_point now) const {
  std::vector<double> young;
  for (const auto& [at, seconds] : samples_) {
    if (now - at < kQuantileAge) young.push_back(seconds);
  }
  std::array<double, kQuantiles.size()> quantiles;
  quantiles.fill(std::numeric_limits<double>::quiet_NaN());
  if (young.empty()) return quantiles;
  std::ranges::sort(young);
  for (size_t i = 0; i < kQuantiles.size(); ++i) {
    const double exact_rank = kQuantiles[i] * static_cast<double>(young.size());
    const auto rank = static_cast<size_t>(std::ceil(exact_rank));
    quantiles[i] = young[std::clamp<size_t>(rank, 1, young.size()) - 1];
  }
  return quantiles;
}

std::string SizeLabel(uint64_t bytes) {
  for (const uint64_t bound : kLayerSizeBounds) {
    if (bytes > bound) continue;
    if (bound >= (uint64_t{1} << 30)) return fmt::format("{}GiB", bound >> 30);
    if (bound >= (uint64_t{1} << 20)) return fmt::format("{}MiB", bound >> 20);
    return fmt::format("{}KiB", bound >> 10);
  }
  return "+Inf";
}

void Metrics::CountOperation(std::string_view operation, absl::StatusCode code, double seconds) {
  std::lock_guard lock(mu_);
  Operation& counted = Entry(counters_.operations, operation);
  counted.calls += 1;
  counted.errors += code != absl::StatusCode::kOk;
  counted.seconds += seconds;
  counted.last_seconds = seconds;
  counted.recent.Add(seconds, now_());
}

void Metrics::CountStep(std::string_view step, double seconds) {
  std::lock_guard lock(mu_);
  Operation& counted = Entry(counters_.steps, step);
  counted.calls += 1;
  counted.seconds += seconds;
  counted.recent.Add(seconds, now_());
}

void Metrics::CountPull(std::string_view image, bool ok, std::string_view error) {
  std::lock_guard lock(mu_);
  if (ok) {
    ++counters_.pulls_ok;
    ++Entry(counters_.pulls_ok_by_name, image);
    return;
  }
  ++Entry(counters_.pull_failures, error);
  ++counters_.pull_failures_by_name[{std::string(image), std::string(error)}];
}

void Metrics::CountBlobFetched(const FetchedBlob& blob) {
  std::lock_guard lock(mu_);
  counters_.pulled_bytes[{std::string(blob.media_type), SizeLabel(blob.size)}] +=
      blob.transferred;
  counters_.pulled_by_digest[{std::string(blob.image), std::string(blob.digest),
                              std::string(blob.media_type), std::to_string(blob.size)}] +=
      blob.transferred;
  counters_.pulled_by_name[{std::string(blob.image), std::to_string(blob.image_size)}] +=
      blob.transferred;
  if (!blob.is_layer) return;
  size_t bucket = 0;
  while (bucket < kLayerSizeBounds.size() && blob.size > kLayerSizeBounds[bucket]) ++bucket;
  Histogram& sizes = counters_.layer_sizes;
  if (bucket < kLayerSizeBounds.size()) ++sizes.buckets[bucket];
  ++sizes.count;
  sizes.sum += static_cast<double>(blob.size);
}

void Metrics::CountLayerReused(std::string_view image, std::string_view digest,
                               uint64_t blob_size) {
  std::lock_guard lock(mu_);
  ++Entry(counters_.reused_layers, fmt::format("{}@{}", image, digest));
  Entry(counters_.skipped_bytes, SizeLabel(blob_size)) += blob_size;
  Entry(counters_.skipped_by_name, image) += blob_size;
}

void Metrics::CountOom(std::string_view name) {
  std::lock_guard lock(mu_);
  ++counters_.ooms;
  ++Entry(counters_.ooms_by_name, name);
}

bool Metrics::Open(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) const {
  if (!collectors_.contains(name)) return false;
  Family(out, name, type, help);
  return true;
}

void Metrics::RenderOperations(const Counters& counters, std::string& out) const {
  const auto& operations = counters.operations;
  if (Open(out, "operations_total", "counter", "Cumulative number of CRI operations by type.")) {
    for (const auto& [name, op] : operations)
      Sample(out, "operations_total", "operation", name, op.calls);
  }
  if (Open(out, "operations_errors_total", "counter",
           "Cumulative number of CRI operations that failed, by type.")) {
    for (const auto& [name, op] : operations) {
      Sample(out, "operations_errors_total", "operation", name, op.errors);
    }
  }
  if (Open(out, "operations_latency_seconds", "gauge",
           "Latency of the latest CRI call of each type, in seconds.")) {
    for (const auto& [name, op] : operations) {
      Sample(out, "operations_latency_seconds", "operation", name, op.last_seconds);
    }
  }
  if (Open(out, "operations_latency_seconds_total", "summary",
           "Latency of CRI operations (and of network_setup_pod, network_setup_overall), in "
           "seconds.")) {
    RenderLatencySummary(counters, "operations_latency_seconds_total", "operation", 1, out);
  }
}

void Metrics::RenderLatencySummary(const Counters& counters, std::string_view name,
                                   std::string_view label, double scale, std::string& out) const {
  const auto now = now_();
  // Go's client reports whole microseconds.
  const auto scaled = [scale](double seconds) {
    return scale == 1 || std::isnan(seconds) ? seconds * scale : std::floor(seconds * scale);
  };
  for (const auto* timed : {&counters.operations, &counters.steps}) {
    for (const auto& [operation, op] : *timed) {
      const auto quantiles = op.recent.Quantiles(now);
      for (size_t i = 0; i < kQuantiles.size(); ++i) {
        out += fmt::format("{}{}{{{}=\"{}\",quantile=\"{}\"}} {}\n", kPrefix, name, label,
                           Quote(operation), kQuantiles[i], Value(scaled(quantiles[i])));
      }
      Sample(out, fmt::format("{}_sum", name), label, operation, scaled(op.seconds));
      Sample(out, fmt::format("{}_count", name), label, operation, op.calls);
    }
  }
}

void Metrics::RenderDeprecatedOperations(const Counters& counters, std::string& out) const {
  const auto& operations = counters.operations;
  if (Open(out, "operations", "counter",
           "[DEPRECATED: in favour of `operations_total`] Cumulative number of CRI operations "
           "by operation type.")) {
    for (const auto& [name, op] : operations) {
      Sample(out, "operations", "operation_type", name, op.calls);
    }
  }
  if (Open(out, "operations_latency_microseconds", "gauge",
           "[DEPRECATED: in favour of `operations_latency_seconds`] Latency in microseconds of "
           "the latest CRI call of each type.")) {
    for (const auto& [name, op] : operations) {
      Sample(out, "operations_latency_microseconds", "operation_type", name,
             std::floor(op.last_seconds * 1e6));
    }
  }
  if (Open(out, "operations_latency_microseconds_total", "summary",
           "[DEPRECATED: in favour of `operations_latency_seconds_total`] Latency in "
           "microseconds of CRI operations, by operation type.")) {
    RenderLatencySummary(counters, "operations_latency_microseconds_total", "operation_type",
                         1e6, out);
  }
  if (Open(out, "operations_errors", "counter",
           "[DEPRECATED: in favour of `operations_errors_total`] Cumulative number of CRI "
           "operation errors by operation type.")) {
    for (const auto& [name, op] : operations) {
      Sample(out, "operations_errors", "operation_type", name, op.errors);
    }
  }
}

void Metrics::RenderPulls(const Counters& counters, std::string& out) const {
  if (Open(out, "image_pulls_success_total", "counter", "Successful image pulls.")) {
    Sample(out, "image_pulls_success_total", "", "", counters.pulls_ok);
  }
  if (Open(out, "image_pulls_failure_total", "counter", "Failed image pulls, by error.")) {
    Samples(out, "image_pulls_failure_total", "error", counters.pull_failures);
  }
  if (Open(out, "image_pulls_bytes_total", "counter",
           "Bytes transferred by image pulls, by media type and blob size.")) {
    for (const auto& [key, bytes] : counters.pulled_bytes) {
      out += fmt::format("{}image_pulls_bytes_total{{mediatype=\"{}\",size=\"{}\"}} {}\n", kPrefix,
                         Quote(key.first), key.second, bytes);
    }
  }
  if (Open(out, "image_pulls_skipped_bytes_total", "counter",
           "Bytes image pulls did not transfer because the layer was stored, by size.")) {
    Samples(out, "image_pulls_skipped_bytes_total", "size", counters.skipped_bytes);
  }
  if (Open(out, "image_pulls_layer_size", "histogram", "Sizes of the layers pulled, in bytes.")) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kLayerSizeBounds.size(); ++i) {
      cumulative += counters.layer_sizes.buckets[i];
      Sample(out, "image_pulls_layer_size_bucket", "le", std::to_string(kLayerSizeBounds[i]),
             cumulative);
    }
    Sample(out, "image_pulls_layer_size_bucket", "le", "+Inf", counters.layer_sizes.count);
    Sample(out, "image_pulls_layer_size_sum", "", "", counters.layer_sizes.sum);
    Sample(out, "image_pulls_layer_size_count", "", "", counters.layer_sizes.count);
  }
  if (Open(out, "image_layer_reuse_total", "counter",
           "Layers a pull found stored instead of fetching them, by IMAGE@DIGEST.")) {
    Samples(out, "image_layer_reuse_total", "name", counters.reused_layers);
  }
}

void Metrics::RenderDeprecatedPulls(const Counters& counters, std::string& out) const {
  if (Open(out, "image_pulls_by_digest", "counter",
           "[DEPRECATED: in favour of `image_pulls_bytes_total`] Bytes transferred by image "
           "pulls by digest.")) {
    Samples(out, "image_pulls_by_digest", {"name", "digest", "mediatype", "size"},
            counters.pulled_by_digest);
  }
  if (Open(out, "image_pulls_by_name", "counter",
           "[DEPRECATED: in favour of `image_pulls_bytes_total`] Bytes transferred by image "
           "pulls by name.")) {
    Samples(out, "image_pulls_by_name", {"name", "size"}, counters.pulled_by_name);
  }
  if (Open(out, "image_pulls_by_name_skipped", "counter",
           "[DEPRECATED: in favour of `image_pulls_skipped_bytes_total`] Bytes skipped by image "
           "pulls by name.")) {
    Samples(out, "image_pulls_by_name_skipped", "name", counters.skipped_by_name);
  }
  if (Open(out, "image_pulls_failures", "counter",
           "[DEPRECATED: in favour of `image_pulls_failure_total`] Cumulative number of image "
           "pull failures by error.")) {
    Samples(out, "image_pulls_failures", {"name", "error"}, counters.pull_failures_by_name);
  }
  if (Open(out, "image_pulls_successes", "counter",
           "[DEPRECATED: in favour of `image_pulls_success_total`] Cumulative number of image "
           "pull successes.")) {
    Samples(out, "image_pulls_successes", "name", counters.pulls_ok_by_name);
  }
  if (Open(out, "image_layer_reuse", "counter",
           "[DEPRECATED: in favour of `image_layer_reuse_total`] Reused (not pulled) local "
           "image layer count by name.")) {
    Samples(out, "image_layer_reuse", "name", counters.reused_layers);
  }
}

void Metrics::RenderContainers(const Counters& counters, const Sources& sources,
                               std::string& out) const {
  if (sources.events_dropped &&
      Open(out, "containers_events_dropped_total", "counter",
           "Container events not delivered because a subscriber's queue was full.")) {
    Sample(out, "containers_events_dropped_total", "", "", sources.events_dropped());
  }
  if (Open(out, "containers_oom_total", "counter",
           "Containers killed because they ran out of memory.")) {
    Sample(out, "containers_oom_total", "", "", counters.ooms);
  }
  if (Open(out, "containers_oom_count_total", "counter",
           "Containers killed because they ran out of memory, by name.")) {
    Samples(out, "containers_oom_count_total", "name", counters.ooms_by_name);
  }
  if (Open(out, "containers_oom", "counter",
           "[DEPRECATED: in favour of `containers_oom_count_total`] Containers killed because "
           "they ran out of memory, by name.")) {
    Samples(out, "containers_oom", "name", counters.ooms_by_name);
  }
  if (Open(out, "processes_defunct", "gauge", "Exited children of crio not yet reaped.")) {
    Sample(out, "processes_defunct", "", "", DefunctChildren(sources.proc_self));
  }
}

std::string Metrics::Render(const Sources& sources) const {
  Counters counters;
  {
    std::lock_guard lock(mu_);
    counters = counters_;
  }
  std::string out;
  RenderOperations(counters, out);
  RenderDeprecatedOperations(counters, out);
  RenderPulls(counters, out);
  RenderDeprecatedPulls(counters, out);
  RenderContainers(counters, sources, out);
  if (!sources.default_runtime.empty()) {  // not one of CRI-O's collector keys: always there
    Family(out, "default_runtime", "gauge", "The default runtime handler.");
    Sample(out, "default_runtime", "runtime", sources.default_runtime, 1);
  }
  RenderProcessMetrics(sources.proc_self, out);
  return out;
}

}  // namespace crio::metrics
