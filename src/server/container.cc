// RuntimeService's container rpcs: CreateContainer, StartContainer, StopContainer,
// RemoveContainer, ContainerStatus, ListContainers and StreamContainers.
#include "common/status_macros.h"
#include "server/caller_of.h"
#include "server/container_convert.h"
#include "server/runtime_service.h"

namespace crio::server {
namespace {

// StreamContainers sends the list in chunks of this many containers, as CRI-O does.
constexpr int kStreamChunk = 3000;

absl::Status NeedId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("ContainerId should not be empty");
  return absl::OkStatus();
}

}  // namespace

grpc::Status RuntimeService::CreateContainer(grpc::ServerContext* context,
                                             const v1::CreateContainerRequest* request,
                                             v1::CreateContainerResponse* response) {
  return edge_.Serve(
      "CreateContainer", *request, response,
      [this, context](const v1::CreateContainerRequest& in, v1::CreateContainerResponse* out) {
        if (in.pod_sandbox_id().empty()) {
          return absl::InvalidArgumentError("PodSandboxId should not be empty");
        }
        if (!in.has_config()) return absl::InvalidArgumentError("ContainerConfig is missing");
        ASSIGN_OR_RETURN(const container::Container created,
                         containers_.Create(RequestFromConfig(in.pod_sandbox_id(), in.config()),
                                            CallerOf(context)));
        out->set_container_id(created.id);
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::StartContainer(grpc::ServerContext*,
                                            const v1::StartContainerRequest* request,
                                            v1::StartContainerResponse* response) {
  return edge_.Serve("StartContainer", *request, response,
                     [this](const v1::StartContainerRequest& in, v1::StartContainerResponse*) {
                       RETURN_IF_ERROR(NeedId(in.container_id()));
                       return containers_.Start(in.container_id());
                     });
}

grpc::Status RuntimeService::StopContainer(grpc::ServerContext*,
                                           const v1::StopContainerRequest* request,
                                           v1::StopContainerResponse* response) {
  return edge_.Serve("StopContainer", *request, response,
                     [this](const v1::StopContainerRequest& in, v1::StopContainerResponse*) {
                       RETURN_IF_ERROR(NeedId(in.container_id()));
                       return containers_.Stop(in.container_id(), in.timeout());
                     });
}

grpc::Status RuntimeService::RemoveContainer(grpc::ServerContext*,
                                             const v1::RemoveContainerRequest* request,
                                             v1::RemoveContainerResponse* response) {
  return edge_.Serve("RemoveContainer", *request, response,
                     [this](const v1::RemoveContainerRequest& in, v1::RemoveContainerResponse*) {
                       RETURN_IF_ERROR(NeedId(in.container_id()));
                       return containers_.Remove(in.container_id());
                     });
}

grpc::Status RuntimeService::ContainerStatus(grpc::ServerContext*,
                                             const v1::ContainerStatusRequest* request,
                                             v1::ContainerStatusResponse* response) {
  return edge_.Serve(
      "ContainerStatus", *request, response,
      [this](const v1::ContainerStatusRequest& in, v1::ContainerStatusResponse* out) {
        RETURN_IF_ERROR(NeedId(in.container_id()));
        ASSIGN_OR_RETURN(const container::Container found, containers_.Get(in.container_id()));
        FillContainerStatus(found, *out->mutable_status());
        if (in.verbose()) (*out->mutable_info())["info"] = ContainerVerboseInfo(found);
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::ListContainers(grpc::ServerContext*,
                                            const v1::ListContainersRequest* request,
                                            v1::ListContainersResponse* response) {
  return edge_.Serve("ListContainers", *request, response,
                     [this](const v1::ListContainersRequest& in, v1::ListContainersResponse* out) {
                       for (const container::Container& found :
                            containers_.List(ContainerFilterFrom(in.filter()))) {
                         FillContainerItem(found, *out->add_containers());
                       }
                       return absl::OkStatus();
                     });
}

grpc::Status RuntimeService::StreamContainers(
    grpc::ServerContext*, const v1::StreamContainersRequest* request,
    grpc::ServerWriter<v1::StreamContainersResponse>* writer) {
  v1::StreamContainersResponse unused;
  return edge_.Serve(
      "StreamContainers", *request, &unused,
      [this, writer](const v1::StreamContainersRequest& in, v1::StreamContainersResponse*) {
        const std::vector<container::Container> found =
            containers_.List(ContainerFilterFrom(in.filter()));
        v1::StreamContainersResponse chunk;
        for (size_t i = 0; i < found.size(); ++i) {
          FillContainerItem(found[i], *chunk.add_containers());
          if (chunk.containers_size() == kStreamChunk || i + 1 == found.size()) {
            if (!writer->Write(chunk)) return absl::CancelledError("client went away");
            chunk.Clear();
          }
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* request,
                                      v1::ExecSyncResponse* response) {
  return edge_.Serve("ExecSync", *request, response,
                     [this](const v1::ExecSyncRequest& in, v1::ExecSyncResponse* out) {
                       RETURN_IF_ERROR(NeedId(in.container_id()));
                       ASSIGN_OR_RETURN(
                           const oci::ExecResult result,
                           containers_.ExecSync(in.container_id(),
                                                {in.cmd().begin(), in.cmd().end()}, in.timeout()));
                       out->set_exit_code(result.exit_code);
                       out->set_stdout(result.out);
                       out->set_stderr(result.err);
                       return absl::OkStatus();
                     });
}

grpc::Status RuntimeService::UpdateContainerResources(
    grpc::ServerContext*, const v1::UpdateContainerResourcesRequest* request,
    v1::UpdateContainerResourcesResponse* response) {
  return edge_.Serve(
      "UpdateContainerResources", *request, response,
      [this](const v1::UpdateContainerResourcesRequest& in, v1::UpdateContainerResourcesResponse*) {
        RETURN_IF_ERROR(NeedId(in.container_id()));
        return containers_.UpdateResources(in.container_id(), ResourcesFrom(in.linux()));
      });
}

grpc::Status RuntimeService::ReopenContainerLog(grpc::ServerContext*,
                                                const v1::ReopenContainerLogRequest* request,
                                                v1::ReopenContainerLogResponse* response) {
  return edge_.Serve(
      "ReopenContainerLog", *request, response,
      [this](const v1::ReopenContainerLogRequest& in, v1::ReopenContainerLogResponse*) {
        RETURN_IF_ERROR(NeedId(in.container_id()));
        return containers_.ReopenLog(in.container_id());
      });
}

}  // namespace crio::server
