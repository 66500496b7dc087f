#include "metrics/metrics.h"

#include <sstream>

#include "config/config.h"
#include "gtest/gtest.h"

namespace crio::metrics {
namespace {

std::set<std::string, std::less<>> AllCollectors() {
  return {config::kMetricsCollectors.begin(), config::kMetricsCollectors.end()};
}

const Sources kSources{.events_dropped = [] { return uint64_t{7}; }, .default_runtime = "runc"};

void ExpectLines(const std::string& text, std::initializer_list<const char*> lines) {
  for (const char* line : lines) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

TEST(MetricsTest, CountsOperationsErrorsAndLatency) {
  Metrics metrics(AllCollectors());
  metrics.CountOperation("Version", absl::StatusCode::kOk, 0.5);
  metrics.CountOperation("Version", absl::StatusCode::kOk, 0.25);
  metrics.CountOperation("RunPodSandbox", absl::StatusCode::kInvalidArgument, 0.125);
  metrics.CountStep("network_setup_pod", 0.0625);
  metrics.CountPull("docker.io/library/busybox:latest", true, "");
  metrics.CountPull("quay.io/crio/missing:1", false, "NOT_FOUND");
  metrics.CountPull("quay.io/crio/missing:1", false, "NOT_FOUND");
  const std::string text = metrics.Render(kSources);
  ExpectLines(
      text,
      {
          "# TYPE container_runtime_crio_operations_total counter\n",
          "container_runtime_crio_operations_total{operation=\"Version\"} 2\n",
          "container_runtime_crio_operations_total{operation=\"RunPodSandbox\"} 1\n",
          "container_runtime_crio_operations_errors_total{operation=\"Version\"} 0\n",
          "container_runtime_crio_operations_errors_total{operation=\"RunPodSandbox\"} 1\n",
          "container_runtime_crio_operations_latency_seconds{operation=\"Version\"} 0.25\n",
          "container_runtime_crio_operations_latency_seconds_total_sum{operation=\"Version\"} "
          "0.75\n",
          "container_runtime_crio_operations_latency_seconds_total_count{operation=\"Version\"} "
          "2\n",
          "container_runtime_crio_operations_latency_seconds_total_sum{operation=\"network_setup_"
          "pod\"} 0.0625\n",
          "container_runtime_crio_containers_events_dropped_total 7\n",
          "container_runtime_crio_image_pulls_success_total 1\n",
          "container_runtime_crio_image_pulls_failure_total{error=\"NOT_FOUND\"} 2\n",
          "container_runtime_crio_default_runtime{runtime=\"runc\"} 1\n",
          "container_runtime_crio_processes_defunct 0\n",
      });
  // A step is no operation of its own.
  EXPECT_EQ(text.find("operations_total{operation=\"network_setup_pod\"}"), std::string::npos);
}

TEST(MetricsTest, SizeLabelsAreTheBucketBounds) {
  EXPECT_EQ(SizeLabel(0), "1KiB");
  EXPECT_EQ(SizeLabel(1024), "1KiB");
  EXPECT_EQ(SizeLabel(1025), "1MiB");
  EXPECT_EQ(SizeLabel(uint64_t{30} << 20), "50MiB");
  EXPECT_EQ(SizeLabel(uint64_t{2} << 30), "10GiB");
  EXPECT_EQ(SizeLabel(uint64_t{11} << 30), "+Inf");
}

TEST(MetricsTest, CountsPulledBytesLayerSizesAndReusedLayers) {
  Metrics metrics(AllCollectors());
  const std::string layer = "application/vnd.oci.image.layer.v1.tar+gzip";
  const std::string image = "quay.io/crio/app:1";
  const FetchedBlob blob{.image = image, .image_size = 7344532};
  auto fetched = [&](std::string_view media_type, std::string_view digest, uint64_t size,
                     uint64_t transferred, bool is_layer) {
    FetchedBlob counted = blob;
    counted.media_type = media_type;
    counted.digest = digest;
    counted.size = size;
    counted.transferred = transferred;
    counted.is_layer = is_layer;
    metrics.CountBlobFetched(counted);
  };
  fetched("application/vnd.oci.image.config.v1+json", "sha256:c", 500, 500, false);
  fetched(layer, "sha256:l1", 3 << 20, 3 << 20, true);
  fetched(layer, "sha256:l2", 4 << 20, 1 << 20, true);  // failed part-way
  fetched(layer, "sha256:l3", 2000, 2000, true);
  metrics.CountLayerReused(image, "sha256:aaa", 600 << 20);
  metrics.CountLayerReused(image, "sha256:aaa", 600 << 20);
  const std::string text = metrics.Render(kSources);
  ExpectLines(
      text,
      {
          "container_runtime_crio_image_pulls_bytes_total{mediatype=\"application/"
          "vnd.oci.image.config.v1+json\",size=\"1KiB\"} 500\n",
          "container_runtime_crio_image_pulls_bytes_total{mediatype=\"application/"
          "vnd.oci.image.layer.v1.tar+gzip\",size=\"10MiB\"} 4194304\n",
          "container_runtime_crio_image_pulls_bytes_total{mediatype=\"application/"
          "vnd.oci.image.layer.v1.tar+gzip\",size=\"1MiB\"} 2000\n",
          "# TYPE container_runtime_crio_image_pulls_layer_size histogram\n",
          "container_runtime_crio_image_pulls_layer_size_bucket{le=\"1024\"} 0\n",
          "container_runtime_crio_image_pulls_layer_size_bucket{le=\"1048576\"} 1\n",
          "container_runtime_crio_image_pulls_layer_size_bucket{le=\"10485760\"} 3\n",
          "container_runtime_crio_image_pulls_layer_size_bucket{le=\"+Inf\"} 3\n",
          "container_runtime_crio_image_pulls_layer_size_sum 7342032\n",
          "container_runtime_crio_image_pulls_layer_size_count 3\n",
          "container_runtime_crio_image_layer_reuse_total{name=\"quay.io/crio/app:1@sha256:aaa\"} "
          "2\n",
          "container_runtime_crio_image_pulls_skipped_bytes_total{size=\"1GiB\"} 1258291200\n",
          // CRI-O 1.26's deprecated families, by image name.
          "container_runtime_crio_image_pulls_by_digest{name=\"quay.io/crio/app:1\","
          "digest=\"sha256:l2\",mediatype=\"application/vnd.oci.image.layer.v1.tar+gzip\","
          "size=\"4194304\"} 1048576\n",
          "container_runtime_crio_image_pulls_by_name{name=\"quay.io/crio/app:1\","
          "size=\"7344532\"} 4196804\n",
          "container_runtime_crio_image_pulls_by_name_skipped{name=\"quay.io/crio/app:1\"} "
          "1258291200\n",
          "container_runtime_crio_image_layer_reuse{name=\"quay.io/crio/app:1@sha256:aaa\"} 2\n",
      });
}

TEST(MetricsTest, CountsOomKillsInTotalAndByName) {
  Metrics metrics(AllCollectors());
  metrics.CountOom("k8s_hog_pod_ns_uid_0");
  metrics.CountOom("k8s_hog_pod_ns_uid_0");
  metrics.CountOom("k8s_other_pod_ns_uid_0");
  ExpectLines(metrics.Render(kSources),
              {
                  "container_runtime_crio_containers_oom_total 3\n",
                  "container_runtime_crio_containers_oom_count_total{name=\"k8s_hog_pod_ns_uid_0\"}"
                  " 2\n",
                  "container_runtime_crio_containers_oom_count_total{name=\"k8s_other_pod_ns_uid_"
                  "0\"} 1\n",
                  "container_runtime_crio_containers_oom{name=\"k8s_hog_pod_ns_uid_0\"} 2\n",
              });
}

TEST(MetricsTest, DeprecatedFamiliesCountByOperationTypeInMicroseconds) {
  Metrics metrics(AllCollectors());
  metrics.CountOperation("Version", absl::StatusCode::kOk, 0.5);
  metrics.CountOperation("Version", absl::StatusCode::kInternal, 0.25);
  metrics.CountPull("quay.io/crio/missing:1", false, "NOT_FOUND");
  metrics.CountPull("docker.io/library/busybox:latest", true, "");
  ExpectLines(
      metrics.Render(kSources),
      {
          "# TYPE container_runtime_crio_operations counter\n",
          "container_runtime_crio_operations{operation_type=\"Version\"} 2\n",
          "container_runtime_crio_operations_errors{operation_type=\"Version\"} 1\n",
          "container_runtime_crio_operations_latency_microseconds{operation_type=\"Version\"} "
          "250000\n",
          "# TYPE container_runtime_crio_operations_latency_microseconds_total summary\n",
          "container_runtime_crio_operations_latency_microseconds_total{operation_type="
          "\"Version\",quantile=\"0.5\"} 250000\n",
          "container_runtime_crio_operations_latency_microseconds_total{operation_type="
          "\"Version\",quantile=\"0.99\"} 500000\n",
          "container_runtime_crio_operations_latency_microseconds_total_sum{operation_type="
          "\"Version\"} 750000\n",
          "container_runtime_crio_operations_latency_microseconds_total_count{operation_type="
          "\"Version\"} 2\n",
          "container_runtime_crio_image_pulls_failures{name=\"quay.io/crio/missing:1\","
          "error=\"NOT_FOUND\"} 1\n",
          "container_runtime_crio_image_pulls_successes{name=\"docker.io/library/busybox:latest\"}"
          " 1\n",
      });
}

TEST(MetricsTest, LatencyQuantilesCoverTheLastTenMinutes) {
  LatencyWindow::Clock::time_point now{};
  Metrics metrics(AllCollectors(), [&now] { return now; });
  for (int i = 1; i <= 100; ++i) metrics.CountOperation("Version", absl::StatusCode::kOk, i);
  ExpectLines(metrics.Render(kSources),
              {
                  "container_runtime_crio_operations_latency_seconds_total{operation=\"Version\","
                  "quantile=\"0.5\"} 50\n",
                  "container_runtime_crio_operations_latency_seconds_total{operation=\"Version\","
                  "quantile=\"0.9\"} 90\n",
                  "container_runtime_crio_operations_latency_seconds_total{operation=\"Version\","
                  "quantile=\"0.99\"} 99\n",
              });
  // Ten minutes on, the calls have aged out of the quantiles, not out of the sum and count.
  now += kQuantileAge;
  ExpectLines(metrics.Render(kSources),
              {
                  "container_runtime_crio_operations_latency_seconds_total{operation=\"Version\","
                  "quantile=\"0.5\"} NaN\n",
                  "container_runtime_crio_operations_latency_seconds_total_count{operation="
                  "\"Version\"} 100\n",
              });
}

TEST(MetricsTest, LatencyWindowKeepsTheNewestSamples) {
  LatencyWindow window;
  const LatencyWindow::Clock::time_point now{};
  for (size_t i = 0; i < 2 * LatencyWindow::kMaxSamples; ++i) {
    window.Add(static_cast<double>(i), now);
  }
  // Only the newest half remain: the median is that half's.
  EXPECT_EQ(window.Quantiles(now)[0], static_cast<double>(LatencyWindow::kMaxSamples * 3 / 2 - 1));
}

TEST(MetricsTest, ExposesOnlyTheSelectedCollectors) {
  Metrics metrics({"operations_total", "containers_oom_total"});
  metrics.CountOperation("Version", absl::StatusCode::kInternal, 0.5);
  metrics.CountPull("busybox", true, "");
  const std::string text = metrics.Render(kSources);
  EXPECT_NE(text.find("container_runtime_crio_operations_total{operation=\"Version\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("container_runtime_crio_containers_oom_total 0"), std::string::npos);
  for (const char* absent :
       {"operations_errors_total", "operations_latency", "image_pulls", "events_dropped",
        "processes_defunct", "image_layer_reuse", "oom_count"}) {
    EXPECT_EQ(text.find(absent), std::string::npos) << absent << "\nin:\n" << text;
  }
  // The process collector is not one of CRI-O's keys: always there.
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
}

TEST(MetricsTest, ProcessMetricsDescribeThisProcess) {
  const std::string text = Metrics({}).Render(kSources);
  std::map<std::string, double> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    values[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  for (const char* name : {"process_cpu_seconds_total", "process_start_time_seconds",
                           "process_virtual_memory_bytes", "process_max_fds"}) {
    EXPECT_TRUE(values.contains(name)) << name << "\nin:\n" << text;
  }
  EXPECT_GT(values["process_resident_memory_bytes"], 0);
  EXPECT_GE(values["process_open_fds"], 3);
  EXPECT_GE(values["process_threads"], 1);
  EXPECT_GT(values["process_start_time_seconds"], 1.6e9);
}

}  // namespace
}  // namespace crio::metrics
