// ListMetricDescriptors, ListPodSandboxMetrics, StreamPodSandboxMetrics: cAdvisor-named
// metrics for the groups `included_pod_metrics` selects (cpu, hugetlb, memory, network, oom,
// process, spec, disk, diskIO, pressure, or "all"), collected from the same sources as the
// stats rpcs plus the cgroup details only these metrics need. The metrics and their labels
// are listed in pod_metric_descriptors.cc, their samples made in pod_metric_samples.cc.
#include <set>

#include "server/pod_metric_descriptors.h"
#include "server/pod_metric_samples.h"
#include "server/runtime_service.h"

namespace crio::server {

void RuntimeService::CollectPodMetrics(
    google::protobuf::RepeatedPtrField<v1::PodSandboxMetrics>& out) const {
  if (periodic_stats_ != nullptr) {
    if (auto latest = periodic_stats_->Latest()) {
      out = latest->pod_metrics;
      return;
    }
  }
  CollectPodMetricsNow(out);
}

void RuntimeService::CollectPodMetricsNow(
    google::protobuf::RepeatedPtrField<v1::PodSandboxMetrics>& out) const {
  const std::set<std::string> groups =
      IncludedGroups(config_.Snapshot()->stats.included_pod_metrics);
  if (groups.empty()) return;
  stats::FilesystemLookup filesystems;
  for (const sandbox::Sandbox& pod : sandboxes_.List(
           {.id_prefix = "", .state = sandbox::SandboxState::kReady, .label_selector = {}})) {
    FillPodMetrics(pod, PodMembers(pod.id), groups, stats_, filesystems, *out.Add());
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
        FillDescriptors(groups, *out->mutable_descriptors());
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
