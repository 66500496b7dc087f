// Container stats as the kubelet reads them: a container burning CPU and holding memory
// shows rising CPU time, a CPU rate, its working set and what it wrote to its writable
// layer; the list rpcs select by id, pod and labels.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

class StatsTest : public ContainerTest {
 protected:
  v1::ContainerStats Stats(const std::string& id, grpc::Status* status = nullptr) {
    v1::ContainerStatsRequest request;
    request.set_container_id(id);
    v1::ContainerStatsResponse response;
    const grpc::Status got = stub_->ContainerStats(Context().get(), request, &response);
    if (status != nullptr) *status = got;
    return response.stats();
  }

  std::vector<std::string> ListedIds(const v1::ContainerStatsFilter& filter) {
    v1::ListContainerStatsRequest request;
    *request.mutable_filter() = filter;
    v1::ListContainerStatsResponse response;
    const grpc::Status status = stub_->ListContainerStats(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const v1::ContainerStats& stats : response.stats()) ids.push_back(stats.attributes().id());
    return ids;
  }
};

TEST_F(StatsTest, BusyContainerShowsCpuMemoryAndWritableLayer) {
  // A CPU loop in the background, ~32 MB held in a shell variable, 4 KB written to /tmp.
  v1::ContainerConfig config =
      Config("busy", {"sh", "-c",
                      "trap 'exit 0' TERM; (while :; do :; done) & "
                      "x=$(yes | head -c 33554432); dd if=/dev/zero of=/tmp/data bs=4096 count=1 "
                      "2>/dev/null; echo ready; while true; do sleep 0.1; done"});
  (*config.mutable_labels())["app"] = "busy";
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  const std::string log = Status(id).status().log_path();
  for (int i = 0; i < 100 && ReadText(log).find("ready") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(ReadText(log).find("ready"), std::string::npos) << ReadText(log);

  const v1::ContainerStats first = Stats(id);
  EXPECT_EQ(first.attributes().id(), id);
  EXPECT_EQ(first.attributes().metadata().name(), "busy");
  EXPECT_EQ(first.attributes().labels().at("app"), "busy");
  EXPECT_GT(first.cpu().timestamp(), 0);
  EXPECT_GT(first.cpu().usage_core_nano_seconds().value(), 0u);
  EXPECT_GT(first.memory().timestamp(), 0);
  EXPECT_GT(first.memory().working_set_bytes().value(), 32u << 20);
  EXPECT_GE(first.memory().usage_bytes().value(), first.memory().working_set_bytes().value());
  EXPECT_GE(first.writable_layer().used_bytes().value(), 4096u);
  EXPECT_GE(first.writable_layer().inodes_used().value(), 1u);

  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const v1::ContainerStats second = Stats(id);
  EXPECT_GT(second.cpu().usage_core_nano_seconds().value(),
            first.cpu().usage_core_nano_seconds().value());
  EXPECT_TRUE(second.cpu().has_usage_nano_cores()) << "a rate once there are two samples";
  EXPECT_GT(second.cpu().usage_nano_cores().value(), 0u);
}

TEST_F(StatsTest, ListSelectsByIdPodAndLabels) {
  v1::ContainerConfig labelled = Config("one", {"sh", "-c",
                                                "trap 'exit 0' TERM; "
                                                "while true; do sleep 0.1; done"});
  (*labelled.mutable_labels())["tier"] = "front";
  const std::string one = Create(labelled);
  const std::string two = Create(Config("two", {"sh", "-c",
                                                "trap 'exit 0' TERM; "
                                                "while true; do sleep 0.1; done"}));
  ASSERT_TRUE(Start(one).ok());
  ASSERT_TRUE(Start(two).ok());

  const std::vector<std::string> all = ListedIds({});
  EXPECT_EQ(std::count(all.begin(), all.end(), one), 1);
  EXPECT_EQ(std::count(all.begin(), all.end(), two), 1);
  v1::ContainerStatsFilter by_id;
  by_id.set_id(two);
  EXPECT_EQ(ListedIds(by_id), std::vector<std::string>{two});
  v1::ContainerStatsFilter by_label;
  (*by_label.mutable_label_selector())["tier"] = "front";
  EXPECT_EQ(ListedIds(by_label), std::vector<std::string>{one});
  v1::ContainerStatsFilter by_other_pod;
  by_other_pod.set_pod_sandbox_id(RunPod("other"));
  EXPECT_TRUE(ListedIds(by_other_pod).empty());
}

TEST_F(StatsTest, PodStatsSumItsContainersAndCountItsTraffic) {
  const std::string id =
      Create(Config("worker", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  ASSERT_TRUE(Start(id).ok());
  v1::PodSandboxStatusRequest status_request;
  status_request.set_pod_sandbox_id(pod_);
  status_request.set_verbose(true);
  v1::PodSandboxStatusResponse pod_status;
  ASSERT_TRUE(stub_->PodSandboxStatus(Context().get(), status_request, &pod_status).ok());
  const std::string ip = pod_status.status().network().ip();
  const std::string netns =
      nlohmann::json::parse(pod_status.info().at("info"))["namespaces"]["network"];

  const auto pod_stats = [&] {
    v1::PodSandboxStatsRequest request;
    request.set_pod_sandbox_id(pod_);
    v1::PodSandboxStatsResponse response;
    const grpc::Status status = stub_->PodSandboxStats(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.stats();
  };
  const v1::PodSandboxStats before = pod_stats();
  EXPECT_EQ(before.attributes().id(), pod_);
  EXPECT_EQ(before.attributes().metadata().name(), "pod");
  ASSERT_EQ(before.linux().containers_size(), 1);
  EXPECT_EQ(before.linux().containers(0).attributes().id(), id);
  EXPECT_GT(before.linux().cpu().usage_core_nano_seconds().value(), 0u);
  EXPECT_GT(before.linux().memory().working_set_bytes().value(), 0u);
  EXPECT_GE(before.linux().process().process_count().value(), 1u);
  EXPECT_EQ(before.linux().network().default_interface().name(), "eth0");

  {  // some traffic from the host into the pod
    NetnsListener listener(netns, 8080, std::string(100000, 'x'));
    ASSERT_TRUE(listener.ok());
    EXPECT_EQ(ReadFrom(ip, 8080).size(), 100000u);
  }
  const v1::PodSandboxStats after = pod_stats();
  EXPECT_GE(after.linux().network().default_interface().tx_bytes().value(),
            before.linux().network().default_interface().tx_bytes().value() + 100000);
  EXPECT_GT(after.linux().network().default_interface().rx_bytes().value(),
            before.linux().network().default_interface().rx_bytes().value());

  // crioctl shows both, as crictl does.
  const auto crioctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinPath("crioctl"), "-r", crio_->endpoint()});
    return RunCommand(args, std::chrono::seconds(30));
  };
  const RunResult stats = crioctl({"stats"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_TRUE(stats.out.starts_with("CONTAINER")) << stats.out;
  EXPECT_NE(stats.out.find(id.substr(0, 13)), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("worker"), std::string::npos) << stats.out;
  const RunResult statsp = crioctl({"statsp", "-o", "json"});
  EXPECT_EQ(statsp.exit_code, 0) << statsp.err;
  EXPECT_EQ(nlohmann::json::parse(statsp.out)["stats"][0]["attributes"]["id"], pod_) << statsp.out;

  v1::ListPodSandboxStatsRequest list;
  (*list.mutable_filter()->mutable_label_selector())["no"] = "such-label";
  v1::ListPodSandboxStatsResponse listed;
  ASSERT_TRUE(stub_->ListPodSandboxStats(Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.stats_size(), 0);
  list.mutable_filter()->Clear();
  ASSERT_TRUE(stub_->ListPodSandboxStats(Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.stats_size(), 1);
}

TEST_F(StatsTest, EventsFollowAContainerFromCreateToDelete) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub_->GetContainerEvents(&context, v1::GetEventsRequest());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the subscription is in place
  // A container that exits by itself: its STOPPED event comes from conmon, not from a call.
  const std::string id = Create(Config("brief", {"sh", "-c", "sleep 0.3"}));
  ASSERT_TRUE(Start(id).ok());
  WaitForExit(id);
  ASSERT_TRUE(Remove(id).ok());

  std::vector<v1::ContainerEventType> seen;
  v1::ContainerEventResponse event;
  while (seen.size() < 4 && stream->Read(&event)) {
    if (event.container_id() != id) continue;
    seen.push_back(event.container_event_type());
    EXPECT_GT(event.created_at(), 0);
    EXPECT_EQ(event.pod_sandbox_status().id(), pod_);
    if (event.container_event_type() == v1::CONTAINER_STOPPED_EVENT) {
      ASSERT_EQ(event.containers_statuses_size(), 1) << event.DebugString();
      EXPECT_EQ(event.containers_statuses(0).state(), v1::CONTAINER_EXITED);
    }
  }
  EXPECT_EQ(seen, (std::vector<v1::ContainerEventType>{
                      v1::CONTAINER_CREATED_EVENT, v1::CONTAINER_STARTED_EVENT,
                      v1::CONTAINER_STOPPED_EVENT, v1::CONTAINER_DELETED_EVENT}));
  context.TryCancel();
  stream->Finish();
}

TEST_F(StatsTest, CrioctlEventsPrintsTheStream) {
  const std::string out = dir_.Join("events.json");
  const pid_t events = Spawn({BinPath("crioctl"), "-r", crio_->endpoint(), "events"}, out);
  ASSERT_GT(events, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscribed
  const std::string id = Create(Config("watched", {"true"}));
  for (int i = 0; i < 50 && ReadText(out).find(id) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  KillAndReap(events);
  const std::string text = ReadText(out);
  EXPECT_NE(text.find("\"containerId\": \"" + id + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("CONTAINER_CREATED_EVENT"), std::string::npos) << text;
}

TEST_F(StatsTest, PodMetricsForTheIncludedGroups) {
  v1::ContainerConfig config =
      Config("metered", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(64 << 20);
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  v1::ListMetricDescriptorsResponse descriptors;
  ASSERT_TRUE(
      stub_
          ->ListMetricDescriptors(Context().get(), v1::ListMetricDescriptorsRequest(), &descriptors)
          .ok());
  std::map<std::string, std::vector<std::string>> keys;
  for (const v1::MetricDescriptor& descriptor : descriptors.descriptors()) {
    keys[descriptor.name()] = {descriptor.label_keys().begin(), descriptor.label_keys().end()};
  }
  EXPECT_EQ(keys["container_cpu_usage_seconds_total"],
            (std::vector<std::string>{"id", "name", "image"}));
  EXPECT_EQ(keys["container_network_receive_bytes_total"],
            (std::vector<std::string>{"id", "name", "image", "interface"}));
  EXPECT_TRUE(keys.contains("container_memory_working_set_bytes"));
  EXPECT_TRUE(keys.contains("container_processes"));
  // One of each further group, with its extra label keys.
  for (const char* name :
       {"container_cpu_user_seconds_total", "container_cpu_cfs_throttled_periods_total",
        "container_memory_cache", "container_oom_events_total", "container_threads",
        "container_spec_memory_limit_bytes", "container_start_time_seconds",
        "container_pressure_cpu_waiting_seconds_total", "container_fs_reads_bytes_total",
        "container_network_receive_packets_total"}) {
    EXPECT_TRUE(keys.contains(name)) << name;
  }
  EXPECT_EQ(keys["container_fs_usage_bytes"],
            (std::vector<std::string>{"id", "name", "image", "device"}));
  EXPECT_EQ(keys["container_hugetlb_usage_bytes"],
            (std::vector<std::string>{"id", "name", "image", "size"}));
  EXPECT_EQ(keys["container_memory_failures_total"],
            (std::vector<std::string>{"id", "name", "image", "failure_type", "scope"}));

  v1::ListPodSandboxMetricsResponse metrics;
  ASSERT_TRUE(
      stub_->ListPodSandboxMetrics(Context().get(), v1::ListPodSandboxMetricsRequest(), &metrics)
          .ok());
  ASSERT_EQ(metrics.pod_metrics_size(), 1);
  const v1::PodSandboxMetrics& pod = metrics.pod_metrics(0);
  EXPECT_EQ(pod.pod_sandbox_id(), pod_);
  ASSERT_EQ(pod.container_metrics_size(), 1);
  EXPECT_EQ(pod.container_metrics(0).container_id(), id);
  std::map<std::string, uint64_t> values;
  for (const v1::Metric& metric : pod.container_metrics(0).metrics()) {
    values[metric.name()] = metric.value().value();
    EXPECT_EQ(metric.label_values(0), id);
    EXPECT_EQ(metric.label_values(1), "metered");
  }
  EXPECT_GT(values["container_memory_working_set_bytes"], 0u);
  EXPECT_GE(values["container_processes"], 1u);
  const std::string samples = pod.DebugString();
  EXPECT_TRUE(values.contains("container_cpu_user_seconds_total") ||
              values.contains("container_cpu_system_seconds_total"))
      << samples;
  EXPECT_TRUE(values.contains("container_memory_cache")) << samples;
  EXPECT_EQ(values["container_spec_memory_limit_bytes"], 64u << 20) << samples;
  EXPECT_GT(values["container_start_time_seconds"], 0u) << samples;
  EXPECT_GE(values["container_threads"], 1u) << samples;
  EXPECT_GE(values["container_file_descriptors"], 3u) << "stdin, stdout, stderr";
  EXPECT_TRUE(values.contains("container_fs_usage_bytes")) << samples;
  EXPECT_GT(values["container_fs_inodes_total"], 0u) << samples;
  ASSERT_TRUE(values.contains("container_oom_events_total")) << samples;
  EXPECT_EQ(values["container_oom_events_total"], 0u);
  // PSI: on a v2 host, or a hybrid one whose unified mount has it.
  if (std::filesystem::exists("/sys/fs/cgroup/cpu.pressure") ||
      std::filesystem::exists("/sys/fs/cgroup/unified/cpu.pressure")) {
    EXPECT_TRUE(values.contains("container_pressure_cpu_waiting_seconds_total")) << samples;
    EXPECT_TRUE(values.contains("container_pressure_io_stalled_seconds_total")) << samples;
  }
  bool eth0 = false;
  for (const v1::Metric& metric : pod.metrics()) {
    eth0 |= metric.label_values_size() == 4 && metric.label_values(3) == "eth0";
  }
  EXPECT_TRUE(eth0) << pod.DebugString();
  EXPECT_NE(samples.find("container_network_transmit_packets_total"), std::string::npos);

  // crioctl shows both, as crictl does.
  const RunResult descs = RunCommand({BinPath("crioctl"), "-r", crio_->endpoint(), "metricdescs"});
  ASSERT_EQ(descs.exit_code, 0) << descs.err;
  EXPECT_NE(descs.out.find("\"container_cpu_usage_seconds_total\""), std::string::npos)
      << descs.out;
  const RunResult metricsp =
      RunCommand({BinPath("crioctl"), "-r", crio_->endpoint(), "metricsp", "-o", "yaml"});
  ASSERT_EQ(metricsp.exit_code, 0) << metricsp.err;
  EXPECT_NE(metricsp.out.find(pod_), std::string::npos) << metricsp.out;
  EXPECT_NE(metricsp.out.find("container_memory_working_set_bytes"), std::string::npos);
}

TEST_F(StatsTest, MetricsCountPullsReusedLayersOomKillsAndNetworkSetup) {
  // The fixture pulled busybox (one layer) and ran a pod on the CNI network.
  std::string text = ScrapeMetrics();
  EXPECT_GE(MetricValue(text, "container_runtime_crio_image_pulls_success_total "), 1) << text;
  const std::string layer_bytes =
      "container_runtime_crio_image_pulls_bytes_total{mediatype=\"application/"
      "vnd.oci.image.layer.v1.tar+gzip\"";
  EXPECT_GT(MetricValue(text, layer_bytes), 1000) << text;
  EXPECT_GT(MetricValue(text,
                        "container_runtime_crio_image_pulls_bytes_total{mediatype="
                        "\"application/vnd.oci.image.config.v1+json\",size=\"1KiB\"}"),
            0)
      << text;
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_image_pulls_layer_size_count "), 1) << text;
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_image_pulls_layer_size_bucket{le=\"+Inf\"}"),
            1);
  EXPECT_EQ(MetricValue(text,
                        "container_runtime_crio_operations_latency_seconds_total_count{"
                        "operation=\"network_setup_pod\"}"),
            1)
      << text;
  EXPECT_EQ(MetricValue(text,
                        "container_runtime_crio_operations_latency_seconds_total_count{"
                        "operation=\"network_setup_overall\"}"),
            1);
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_image_layer_reuse_total{"), -1);

  // The pause image is the same layer: pulled without fetching it.
  ASSERT_TRUE(Pull(registry_.host() + "/test/pause:3.10").ok());
  text = ScrapeMetrics();
  const std::string pause = registry_.host() + "/test/pause:3.10";
  EXPECT_EQ(MetricValue(text, fmt::format("container_runtime_crio_image_layer_reuse_total{{name="
                                          "\"{}@sha256:",
                                          pause)),
            1)
      << text;
  // CRI-O 1.26's deprecated families, by image name.
  EXPECT_EQ(MetricValue(text, fmt::format("container_runtime_crio_image_pulls_successes{{name="
                                          "\"{}\"}}",
                                          pause)),
            1)
      << text;
  EXPECT_GT(MetricValue(text, fmt::format("container_runtime_crio_image_pulls_by_name_skipped{{"
                                          "name=\"{}\"}}",
                                          pause)),
            1000);
  // One sample per blob (the small config's too, which may sort first): the layer's is big.
  const std::string by_digest = "container_runtime_crio_image_pulls_by_digest{name=";
  double largest_blob = 0;
  for (size_t at = text.find(by_digest); at != std::string::npos;
       at = text.find(by_digest, at + 1)) {
    largest_blob = std::max(largest_blob, MetricValue(text.substr(at), by_digest));
  }
  EXPECT_GT(largest_blob, 1000) << text;
  EXPECT_GT(MetricValue(text, "container_runtime_crio_image_pulls_skipped_bytes_total{size="),
            1000);
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_image_pulls_layer_size_count "), 1);

  // An OOM kill is counted, by the container's CRI-O name.
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_containers_oom_total "), 0);
  v1::ContainerConfig hog =
      Config("hog", {"sh", "-c", "head -c 200000000 /dev/zero | tail > /dev/null"});
  hog.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(32 << 20);
  const std::string id = Create(hog);
  ASSERT_TRUE(Start(id).ok());
  ASSERT_EQ(WaitForExit(id).reason(), "OOMKilled");
  text = ScrapeMetrics();
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_containers_oom_total "), 1) << text;
  EXPECT_EQ(
      MetricValue(text, "container_runtime_crio_containers_oom_count_total{name=\"k8s_hog_pod_"), 1)
      << text;
  EXPECT_EQ(MetricValue(text, "container_runtime_crio_containers_oom{name=\"k8s_hog_pod_"), 1);
  // The 1.26 latency summary, in microseconds, with its quantiles.
  EXPECT_GT(MetricValue(text,
                        "container_runtime_crio_operations_latency_microseconds_total{"
                        "operation_type=\"CreateContainer\",quantile=\"0.99\"}"),
            100)
      << text;
  EXPECT_GE(MetricValue(text, "process_threads "), 1);
}

// collection_period: the stats come from the latest periodic collection.
class PeriodicStatsTest : public StatsTest {
 protected:
  std::string StatsConfig() override {
    return "[crio.stats]\ncollection_period = 1\nincluded_pod_metrics = [\"cpu\"]\n";
  }

  int64_t MetricsTimestamp() {
    v1::ListPodSandboxMetricsResponse metrics;
    EXPECT_TRUE(
        stub_->ListPodSandboxMetrics(Context().get(), v1::ListPodSandboxMetricsRequest(), &metrics)
            .ok());
    for (const v1::PodSandboxMetrics& pod : metrics.pod_metrics()) {
      for (const v1::ContainerMetrics& container : pod.container_metrics()) {
        for (const v1::Metric& metric : container.metrics()) return metric.timestamp();
      }
    }
    return -1;
  }
};

TEST_F(PeriodicStatsTest, StatsComeFromTheLatestCollection) {
  const std::string id =
      Create(Config("busy", {"sh", "-c",
                             "trap 'exit 0' TERM; (while :; do :; done) & while :; do sleep "
                             "0.1; done"}));
  ASSERT_TRUE(Start(id).ok());
  // Not collected yet or already: either way it has stats at once.
  EXPECT_EQ(Stats(id).attributes().id(), id);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // a collection saw it running

  // Calls within one period answer the same sample (two calls may straddle a collection).
  int64_t first = Stats(id).cpu().timestamp(), second = Stats(id).cpu().timestamp();
  if (first != second) first = std::exchange(second, Stats(id).cpu().timestamp());
  EXPECT_EQ(first, second);
  const uint64_t used = Stats(id).cpu().usage_core_nano_seconds().value();
  int64_t metrics_first = MetricsTimestamp(), metrics_second = MetricsTimestamp();
  if (metrics_first != metrics_second) {
    metrics_first = std::exchange(metrics_second, MetricsTimestamp());
  }
  EXPECT_GT(metrics_first, 0);
  EXPECT_EQ(metrics_first, metrics_second);

  // The next collection brings a later sample with more CPU time, and a rate.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const v1::ContainerStats later = Stats(id);
  EXPECT_GT(later.cpu().timestamp(), second);
  EXPECT_GT(later.cpu().usage_core_nano_seconds().value(), used);
  EXPECT_GT(later.cpu().usage_nano_cores().value(), 0u);
  EXPECT_GT(MetricsTimestamp(), metrics_second);
  v1::ListContainerStatsResponse listed;
  ASSERT_TRUE(
      stub_->ListContainerStats(Context().get(), v1::ListContainerStatsRequest(), &listed).ok());
  ASSERT_EQ(listed.stats_size(), 1);
  EXPECT_EQ(listed.stats(0).attributes().id(), id);
}

TEST_F(StatsTest, UnknownOrMissingIdIsAnError) {
  grpc::Status status;
  Stats("0123456789abcdef", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  Stats("", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace crio::testing
