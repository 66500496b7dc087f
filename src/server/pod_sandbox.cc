// RuntimeService's pod sandbox rpcs: RunPodSandbox, StopPodSandbox, RemovePodSandbox,
// PodSandboxStatus, ListPodSandbox, StreamPodSandboxes and UpdateRuntimeConfig.
#include "common/status_macros.h"
#include "server/caller_of.h"
#include "server/pod_sandbox_convert.h"
#include "server/runtime_service.h"

namespace crio::server {
namespace {

// StreamPodSandboxes sends the list in chunks of this many pods, as CRI-O does.
constexpr int kStreamChunk = 3000;

absl::Status NeedId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("PodSandboxId should not be empty");
  return absl::OkStatus();
}

}  // namespace

grpc::Status RuntimeService::RunPodSandbox(grpc::ServerContext* context,
                                           const v1::RunPodSandboxRequest* request,
                                           v1::RunPodSandboxResponse* response) {
  return edge_.Serve(
      "RunPodSandbox", *request, response,
      [this, context](const v1::RunPodSandboxRequest& in, v1::RunPodSandboxResponse* out) {
        if (!in.has_config()) {
          return absl::InvalidArgumentError("PodSandboxConfig is missing");
        }
        ASSIGN_OR_RETURN(
            const sandbox::Sandbox pod,
            sandboxes_.Run(SpecFromConfig(in.config(), in.runtime_handler()), CallerOf(context)));
        out->set_pod_sandbox_id(pod.id);
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::StopPodSandbox(grpc::ServerContext*,
                                            const v1::StopPodSandboxRequest* request,
                                            v1::StopPodSandboxResponse* response) {
  return edge_.Serve("StopPodSandbox", *request, response,
                     [this](const v1::StopPodSandboxRequest& in, v1::StopPodSandboxResponse*) {
                       RETURN_IF_ERROR(NeedId(in.pod_sandbox_id()));
                       return sandboxes_.Stop(in.pod_sandbox_id());
                     });
}

grpc::Status RuntimeService::RemovePodSandbox(grpc::ServerContext*,
                                              const v1::RemovePodSandboxRequest* request,
                                              v1::RemovePodSandboxResponse* response) {
  return edge_.Serve("RemovePodSandbox", *request, response,
                     [this](const v1::RemovePodSandboxRequest& in, v1::RemovePodSandboxResponse*) {
                       RETURN_IF_ERROR(NeedId(in.pod_sandbox_id()));
                       return sandboxes_.Remove(in.pod_sandbox_id());
                     });
}

grpc::Status RuntimeService::PodSandboxStatus(grpc::ServerContext*,
                                              const v1::PodSandboxStatusRequest* request,
                                              v1::PodSandboxStatusResponse* response) {
  return edge_.Serve(
      "PodSandboxStatus", *request, response,
      [this](const v1::PodSandboxStatusRequest& in, v1::PodSandboxStatusResponse* out) {
        RETURN_IF_ERROR(NeedId(in.pod_sandbox_id()));
        ASSIGN_OR_RETURN(const sandbox::Sandbox pod, sandboxes_.Get(in.pod_sandbox_id()));
        FillStatus(pod, *out->mutable_status());
        if (in.verbose()) {
          (*out->mutable_info())["info"] = VerboseInfo(pod, sandboxes_.CheckNetwork(pod));
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::ListPodSandbox(grpc::ServerContext*,
                                            const v1::ListPodSandboxRequest* request,
                                            v1::ListPodSandboxResponse* response) {
  return edge_.Serve(
      "ListPodSandbox", *request, response,
      [this](const v1::ListPodSandboxRequest& in, v1::ListPodSandboxResponse* out) {
        for (const sandbox::Sandbox& pod : sandboxes_.List(FilterFrom(in.filter()))) {
          FillListItem(pod, *out->add_items());
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::StreamPodSandboxes(
    grpc::ServerContext*, const v1::StreamPodSandboxesRequest* request,
    grpc::ServerWriter<v1::StreamPodSandboxesResponse>* writer) {
  v1::StreamPodSandboxesResponse unused;
  return edge_.Serve(
      "StreamPodSandboxes", *request, &unused,
      [this, writer](const v1::StreamPodSandboxesRequest& in, v1::StreamPodSandboxesResponse*) {
        const std::vector<sandbox::Sandbox> pods = sandboxes_.List(FilterFrom(in.filter()));
        v1::StreamPodSandboxesResponse chunk;
        for (size_t i = 0; i < pods.size(); ++i) {
          FillListItem(pods[i], *chunk.add_pod_sandboxes());
          if (chunk.pod_sandboxes_size() == kStreamChunk || i + 1 == pods.size()) {
            if (!writer->Write(chunk)) return absl::CancelledError("client went away");
            chunk.Clear();
          }
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::UpdateRuntimeConfig(grpc::ServerContext*,
                                                 const v1::UpdateRuntimeConfigRequest* request,
                                                 v1::UpdateRuntimeConfigResponse* response) {
  return edge_.Serve(
      "UpdateRuntimeConfig", *request, response,
      [this](const v1::UpdateRuntimeConfigRequest& in, v1::UpdateRuntimeConfigResponse*) {
        const std::string& cidr = in.runtime_config().network_config().pod_cidr();
        if (!cidr.empty()) sandboxes_.SetPodCidr(cidr);
        return absl::OkStatus();
      });
}

// CRI-O hands pod-level resources to NRI only; without NRI there is nothing to apply at the
// pod level (containers get theirs through UpdateContainerResources), so a known pod is OK.
grpc::Status RuntimeService::UpdatePodSandboxResources(
    grpc::ServerContext*, const v1::UpdatePodSandboxResourcesRequest* request,
    v1::UpdatePodSandboxResourcesResponse* response) {
  return edge_.Serve("UpdatePodSandboxResources", *request, response,
                     [this](const v1::UpdatePodSandboxResourcesRequest& in,
                            v1::UpdatePodSandboxResourcesResponse*) {
                       RETURN_IF_ERROR(NeedId(in.pod_sandbox_id()));
                       return sandboxes_.Get(in.pod_sandbox_id()).status();
                     });
}

}  // namespace crio::server
