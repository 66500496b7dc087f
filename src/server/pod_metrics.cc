// ListMetricDescriptors, ListPodSandboxMetrics, StreamPodSandboxMetrics: cAdvisor-named
// metrics for the groups `included_pod_metrics` selects (cpu, memory, network, process, or
// "all"), collected on demand from the same sources as the stats rpcs. Container metrics
// carry the labels id, name and image; network metrics belong to the pod and add interface.
#include <set>

#include "server/runtime_service.h"
#include "stats/net_stats.h"

namespace crio::server {
namespace {

struct Descriptor {
  const char* group;
  const char* name;
  const char* help;
  v1::MetricType type;
};

constexpr Descriptor kDescriptors[] = {
    {"cpu", "container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
     v1::COUNTER},
    {"memory", "container_memory_usage_bytes",
     "Current memory usage in bytes, including all memory regardless of when it was accessed.",
     v1::GAUGE},
    {"memory", "container_memory_working_set_bytes", "Current working set in bytes.", v1::GAUGE},
    {"memory", "container_memory_rss", "Size of RSS in bytes.", v1::GAUGE},
    {"network", "container_network_receive_bytes_total", "Cumulative count of bytes received.",
     v1::COUNTER},
    {"network", "container_network_receive_errors_total",
     "Cumulative count of errors encountered while receiving.", v1::COUNTER},
    {"network", "container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.",
     v1::COUNTER},
    {"network", "container_network_transmit_errors_total",
     "Cumulative count of errors encountered while transmitting.", v1::COUNTER},
    {"process", "container_processes", "Number of processes running inside the container.",
     v1::GAUGE},
};

std::set<std::string> IncludedGroups(const std::vector<std::string>& configured) {
  std::set<std::string> groups(configured.begin(), configured.end());
  if (groups.contains("all")) {
    for (const Descriptor& descriptor : kDescriptors) groups.insert(descriptor.group);
  }
  return groups;
}

void AddMetric(google::protobuf::RepeatedPtrField<v1::Metric>& metrics, const char* name,
               v1::MetricType type, int64_t timestamp, std::vector<std::string> labels,
               uint64_t value) {
  v1::Metric& metric = *metrics.Add();
  metric.set_name(name);
  metric.set_timestamp(timestamp);
  metric.set_metric_type(type);
  for (std::string& label : labels) metric.add_label_values(std::move(label));
  metric.mutable_value()->set_value(value);
}

void FillPodMetrics(const sandbox::Sandbox& pod, const std::vector<container::Container>& members,
                    const std::set<std::string>& groups, stats::ContainerStatsCollector& collector,
                    v1::PodSandboxMetrics& out) {
  out.set_pod_sandbox_id(pod.id);
  const int64_t now = collector.Now();
  for (const container::Container& member : members) {
    const stats::ContainerUsage usage = collector.Collect(member);
    v1::ContainerMetrics& container = *out.add_container_metrics();
    container.set_container_id(member.id);
    if (!usage.cgroup) continue;
    const std::vector<std::string> labels = {member.id, member.request.name, member.image_name};
    auto& metrics = *container.mutable_metrics();
    const stats::CgroupUsage& cgroup = *usage.cgroup;
    if (groups.contains("cpu")) {
      AddMetric(metrics, "container_cpu_usage_seconds_total", v1::COUNTER, now, labels,
                cgroup.cpu_ns / 1'000'000'000);
    }
    if (groups.contains("memory")) {
      AddMetric(metrics, "container_memory_usage_bytes", v1::GAUGE, now, labels,
                cgroup.memory_bytes);
      AddMetric(metrics, "container_memory_working_set_bytes", v1::GAUGE, now, labels,
                cgroup.working_set_bytes);
      AddMetric(metrics, "container_memory_rss", v1::GAUGE, now, labels, cgroup.rss_bytes);
    }
    if (groups.contains("process") && cgroup.processes) {
      AddMetric(metrics, "container_processes", v1::GAUGE, now, labels, *cgroup.processes);
    }
  }
  if (!groups.contains("network") || pod.netns_path.empty()) return;
  auto interfaces = stats::NetworkUsageIn(pod.netns_path);
  if (!interfaces.ok()) return;
  for (const stats::InterfaceUsage& found : *interfaces) {
    const std::vector<std::string> labels = {pod.id, pod.spec.metadata.name, "", found.name};
    auto& metrics = *out.mutable_metrics();
    AddMetric(metrics, "container_network_receive_bytes_total", v1::COUNTER, now, labels,
              found.rx_bytes);
    AddMetric(metrics, "container_network_receive_errors_total", v1::COUNTER, now, labels,
              found.rx_errors);
    AddMetric(metrics, "container_network_transmit_bytes_total", v1::COUNTER, now, labels,
              found.tx_bytes);
    AddMetric(metrics, "container_network_transmit_errors_total", v1::COUNTER, now, labels,
              found.tx_errors);
  }
}

}  // namespace

void RuntimeService::CollectPodMetrics(
    google::protobuf::RepeatedPtrField<v1::PodSandboxMetrics>& out) const {
  const std::set<std::string> groups =
      IncludedGroups(config_.Snapshot()->stats.included_pod_metrics);
  if (groups.empty()) return;
  for (const sandbox::Sandbox& pod : sandboxes_.List(
           {.id_prefix = "", .state = sandbox::SandboxState::kReady, .label_selector = {}})) {
    FillPodMetrics(pod, PodMembers(pod.id), groups, stats_, *out.Add());
  }
}

grpc::Status RuntimeService::ListMetricDescriptors(grpc::ServerContext*,
                                                   const v1::ListMetricDescriptorsRequest* request,
                                                   v1::ListMetricDescriptorsResponse* response) {
  return edge_.Serve(
      "ListMetricDescriptors", *request, response,
      [this](const v1::ListMetricDescriptorsRequest&, v1::ListMetricDescriptorsResponse* out) {
        const std::set<std::string> groups =
            IncludedGroups(config_.Snapshot()->stats.included_pod_metrics);
        for (const Descriptor& descriptor : kDescriptors) {
          if (!groups.contains(descriptor.group)) continue;
          v1::MetricDescriptor& added = *out->add_descriptors();
          added.set_name(descriptor.name);
          added.set_help(descriptor.help);
          for (const char* key : {"id", "name", "image"}) added.add_label_keys(key);
          if (std::string_view(descriptor.group) == "network") added.add_label_keys("interface");
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::ListPodSandboxMetrics(grpc::ServerContext*,
                                                   const v1::ListPodSandboxMetricsRequest* request,
                                                   v1::ListPodSandboxMetricsResponse* response) {
  return edge_.Serve(
      "ListPodSandboxMetrics", *request, response,
      [this](const v1::ListPodSandboxMetricsRequest&, v1::ListPodSandboxMetricsResponse* out) {
        CollectPodMetrics(*out->mutable_pod_metrics());
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::StreamPodSandboxMetrics(
    grpc::ServerContext*, const v1::StreamPodSandboxMetricsRequest* request,
    grpc::ServerWriter<v1::StreamPodSandboxMetricsResponse>* writer) {
  v1::StreamPodSandboxMetricsResponse unused;
  return edge_.Serve("StreamPodSandboxMetrics", *request, &unused,
                     [this, writer](const v1::StreamPodSandboxMetricsRequest&,
                                    v1::StreamPodSandboxMetricsResponse*) {
                       v1::StreamPodSandboxMetricsResponse chunk;
                       CollectPodMetrics(*chunk.mutable_pod_sandbox_metrics());
                       if (!writer->Write(chunk)) return absl::CancelledError("client went away");
                       return absl::OkStatus();
                     });
}

}  // namespace crio::server
