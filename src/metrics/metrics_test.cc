#include "metrics/metrics.h"

#include "gtest/gtest.h"

namespace crio::metrics {
namespace {

TEST(MetricsTest, CountsOperationsErrorsAndLatency) {
  Metrics metrics({.events_dropped = [] { return uint64_t{7}; }, .default_runtime = "runc"});
  metrics.CountOperation("Version", absl::StatusCode::kOk, 0.5);
  metrics.CountOperation("Version", absl::StatusCode::kOk, 0.25);
  metrics.CountOperation("RunPodSandbox", absl::StatusCode::kInvalidArgument, 0.125);
  metrics.CountPull(true, "");
  metrics.CountPull(false, "NOT_FOUND");
  metrics.CountPull(false, "NOT_FOUND");
  const std::string text = metrics.Render();
  for (const char* line : {
           "# TYPE container_runtime_crio_operations_total counter\n",
           "container_runtime_crio_operations_total{operation=\"Version\"} 2\n",
           "container_runtime_crio_operations_total{operation=\"RunPodSandbox\"} 1\n",
           "container_runtime_crio_operations_errors_total{operation=\"Version\"} 0\n",
           "container_runtime_crio_operations_errors_total{operation=\"RunPodSandbox\"} 1\n",
           "container_runtime_crio_operations_latency_seconds_total_sum{operation=\"Version\"} "
           "0.75\n",
           "container_runtime_crio_operations_latency_seconds_total_count{operation=\"Version\"} "
           "2\n",
           "container_runtime_crio_containers_events_dropped_total 7\n",
           "container_runtime_crio_image_pulls_success_total 1\n",
           "container_runtime_crio_image_pulls_failure_total{error=\"NOT_FOUND\"} 2\n",
           "container_runtime_crio_default_runtime{runtime=\"runc\"} 1\n",
           "container_runtime_crio_processes_defunct 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_EQ(text.find("process_resident_memory_bytes 0\n"), std::string::npos);
}

}  // namespace
}  // namespace crio::metrics
