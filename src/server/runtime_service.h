// RuntimeService: the CRI v1 RuntimeService served over gRPC.
//
// Version, Status and RuntimeConfig are answered from the live configuration and the
// host probes (runtime_service.cc); the pod sandbox rpcs go to Sandboxes (pod_sandbox.cc),
// the container rpcs to Containers (container.cc), container stats to the
// ContainerStatsCollector (container_stats.cc, pod stats too; periodic_stats.h with
// collection_period), pod metrics to pod_metrics.cc, Exec, Attach and PortForward
// to the StreamServer's URLs (streaming.cc);
// every other rpc answers UNIMPLEMENTED naming the feature that brings it, until that
// feature lands. All calls pass through the RpcEdge. Thread-safe: it holds
// only references to thread-safe collaborators.
#pragma once

#include "config/live_config.h"
#include "container/containers.h"
#include "cri_api.h"
#include "network/cni_config.h"
#include "sandbox/sandboxes.h"
#include "server/edge.h"
#include "server/periodic_stats.h"
#include "server/runtime_facts.h"
#include "stats/container_stats.h"
#include "stream/stream_server.h"

namespace crio::server {

namespace v1 = runtime::v1;

class RuntimeService final : public v1::RuntimeService::Service {
 public:
  RuntimeService(RpcEdge& edge, const config::LiveConfig& config,
                 network::NetworkReadiness& network, const RuntimeFacts& facts,
                 sandbox::Sandboxes& sandboxes, container::Containers& containers,
                 stats::ContainerStatsCollector& stats, stream::StreamServer& streaming)
      : edge_(edge),
        config_(config),
        network_(network),
        facts_(facts),
        sandboxes_(sandboxes),
        containers_(containers),
        stats_(stats),
        streaming_(streaming) {
    StartPeriodicStats();
  }

  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest* request,
                       v1::VersionResponse* response) override;
  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  grpc::Status RuntimeConfig(grpc::ServerContext*, const v1::RuntimeConfigRequest* request,
                             v1::RuntimeConfigResponse* response) override;

  grpc::Status RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest*,
                             v1::RunPodSandboxResponse*) override;
  grpc::Status StopPodSandbox(grpc::ServerContext*, const v1::StopPodSandboxRequest*,
                              v1::StopPodSandboxResponse*) override;
  grpc::Status RemovePodSandbox(grpc::ServerContext*, const v1::RemovePodSandboxRequest*,
                                v1::RemovePodSandboxResponse*) override;
  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest*,
                                v1::PodSandboxStatusResponse*) override;
  grpc::Status ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest*,
                              v1::ListPodSandboxResponse*) override;
  grpc::Status StreamPodSandboxes(grpc::ServerContext*, const v1::StreamPodSandboxesRequest*,
                                  grpc::ServerWriter<v1::StreamPodSandboxesResponse>*) override;
  grpc::Status CreateContainer(grpc::ServerContext*, const v1::CreateContainerRequest*,
                               v1::CreateContainerResponse*) override;
  grpc::Status StartContainer(grpc::ServerContext*, const v1::StartContainerRequest*,
                              v1::StartContainerResponse*) override;
  grpc::Status StopContainer(grpc::ServerContext*, const v1::StopContainerRequest*,
                             v1::StopContainerResponse*) override;
  grpc::Status RemoveContainer(grpc::ServerContext*, const v1::RemoveContainerRequest*,
                               v1::RemoveContainerResponse*) override;
  grpc::Status ListContainers(grpc::ServerContext*, const v1::ListContainersRequest*,
                              v1::ListContainersResponse*) override;
  grpc::Status StreamContainers(grpc::ServerContext*, const v1::StreamContainersRequest*,
                                grpc::ServerWriter<v1::StreamContainersResponse>*) override;
  grpc::Status ContainerStatus(grpc::ServerContext*, const v1::ContainerStatusRequest*,
                               v1::ContainerStatusResponse*) override;
  grpc::Status UpdateContainerResources(grpc::ServerContext*,
                                        const v1::UpdateContainerResourcesRequest*,
                                        v1::UpdateContainerResourcesResponse*) override;
  grpc::Status ReopenContainerLog(grpc::ServerContext*, const v1::ReopenContainerLogRequest*,
                                  v1::ReopenContainerLogResponse*) override;
  grpc::Status ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest*,
                        v1::ExecSyncResponse*) override;
  grpc::Status Exec(grpc::ServerContext*, const v1::ExecRequest*, v1::ExecResponse*) override;
  grpc::Status Attach(grpc::ServerContext*, const v1::AttachRequest*, v1::AttachResponse*) override;
  grpc::Status PortForward(grpc::ServerContext*, const v1::PortForwardRequest*,
                           v1::PortForwardResponse*) override;
  grpc::Status ContainerStats(grpc::ServerContext*, const v1::ContainerStatsRequest*,
                              v1::ContainerStatsResponse*) override;
  grpc::Status ListContainerStats(grpc::ServerContext*, const v1::ListContainerStatsRequest*,
                                  v1::ListContainerStatsResponse*) override;
  grpc::Status StreamContainerStats(grpc::ServerContext*, const v1::StreamContainerStatsRequest*,
                                    grpc::ServerWriter<v1::StreamContainerStatsResponse>*) override;
  grpc::Status PodSandboxStats(grpc::ServerContext*, const v1::PodSandboxStatsRequest*,
                               v1::PodSandboxStatsResponse*) override;
  grpc::Status ListPodSandboxStats(grpc::ServerContext*, const v1::ListPodSandboxStatsRequest*,
                                   v1::ListPodSandboxStatsResponse*) override;
  grpc::Status StreamPodSandboxStats(
      grpc::ServerContext*, const v1::StreamPodSandboxStatsRequest*,
      grpc::ServerWriter<v1::StreamPodSandboxStatsResponse>*) override;
  grpc::Status UpdateRuntimeConfig(grpc::ServerContext*, const v1::UpdateRuntimeConfigRequest*,
                                   v1::UpdateRuntimeConfigResponse*) override;
  grpc::Status CheckpointContainer(grpc::ServerContext*, const v1::CheckpointContainerRequest*,
                                   v1::CheckpointContainerResponse*) override {
    return edge_.Unimplemented("CheckpointContainer", "checkpoint/restore");
  }
  grpc::Status GetContainerEvents(grpc::ServerContext*, const v1::GetEventsRequest*,
                                  grpc::ServerWriter<v1::ContainerEventResponse>*) override;
  grpc::Status ListMetricDescriptors(grpc::ServerContext*, const v1::ListMetricDescriptorsRequest*,
                                     v1::ListMetricDescriptorsResponse*) override;
  grpc::Status ListPodSandboxMetrics(grpc::ServerContext*, const v1::ListPodSandboxMetricsRequest*,
                                     v1::ListPodSandboxMetricsResponse*) override;
  grpc::Status StreamPodSandboxMetrics(
      grpc::ServerContext*, const v1::StreamPodSandboxMetricsRequest*,
      grpc::ServerWriter<v1::StreamPodSandboxMetricsResponse>*) override;
  grpc::Status UpdatePodSandboxResources(grpc::ServerContext*,
                                         const v1::UpdatePodSandboxResourcesRequest*,
                                         v1::UpdatePodSandboxResourcesResponse*) override;

 private:
  // The pod's containers (its infra container aside).
  std::vector<container::Container> PodMembers(const std::string& pod_id) const;
  // The metrics of every ready pod, for the groups included_pod_metrics selects: from the
  // latest periodic collection when there is one, else collected now (CollectPodMetricsNow).
  void CollectPodMetrics(google::protobuf::RepeatedPtrField<v1::PodSandboxMetrics>& out) const;
  void CollectPodMetricsNow(google::protobuf::RepeatedPtrField<v1::PodSandboxMetrics>& out) const;

  // With [crio.stats] collection_period > 0, starts periodic_stats_ (from the constructor).
  void StartPeriodicStats();
  // Everything a periodic collection holds: every container's and pod's stats (one sample
  // of each container) and the pod metrics.
  PeriodicStats::Snapshot CollectAllStats() const;
  // The stats of a container or pod: from the latest periodic collection when it saw it,
  // else collected now.
  v1::ContainerStats StatsOf(const container::Container& container) const;
  v1::PodSandboxStats StatsOf(const sandbox::Sandbox& pod) const;

  RpcEdge& edge_;
  const config::LiveConfig& config_;
  network::NetworkReadiness& network_;
  const RuntimeFacts& facts_;
  sandbox::Sandboxes& sandboxes_;
  container::Containers& containers_;
  stats::ContainerStatsCollector& stats_;
  stream::StreamServer& streaming_;
  // Last: its thread calls into everything above, and it is destroyed (stopped) first.
  std::unique_ptr<PeriodicStats> periodic_stats_;
};

}  // namespace crio::server
