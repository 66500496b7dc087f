#include "server/runtime_service.h"

#include <string>

#include "common/strings.h"
#include "config/render.h"
#include "version.h"

namespace crio::server {
namespace {

// CRI's own API version string, which every runtime answers with.
constexpr char kKubeApiVersion[] = "0.1.0";
constexpr char kRuntimeApiVersion[] = "v1";

void AddCondition(v1::RuntimeStatus& status, const std::string& type, const absl::Status& state,
                  const std::string& reason) {
  v1::RuntimeCondition* condition = status.add_conditions();
  condition->set_type(type);
  condition->set_status(state.ok());
  if (!state.ok()) {
    condition->set_reason(reason);
    condition->set_message(std::string(AsStd(state.message())));
  }
}

void AddRuntimeHandlers(const config::Config& config, v1::StatusResponse& response) {
  // One entry per configured handler, plus the default one under the empty name.
  auto add = [&](const std::string& name) {
    v1::RuntimeHandler* handler = response.add_runtime_handlers();
    handler->set_name(name);
    handler->mutable_features()->set_recursive_read_only_mounts(false);
    handler->mutable_features()->set_user_namespaces(false);
  };
  add("");
  for (const auto& [name, unused] : config.runtime.runtimes) add(name);
}

}  // namespace

grpc::Status RuntimeService::Version(grpc::ServerContext*, const v1::VersionRequest* request,
                                     v1::VersionResponse* response) {
  return edge_.Serve("Version", *request, response,
                     [](const v1::VersionRequest&, v1::VersionResponse* out) {
                       out->set_version(kKubeApiVersion);
                       out->set_runtime_name(kRuntimeName);
                       out->set_runtime_version(kVersion);
                       out->set_runtime_api_version(kRuntimeApiVersion);
                       return absl::OkStatus();
                     });
}

grpc::Status RuntimeService::Status(grpc::ServerContext*, const v1::StatusRequest* request,
                                    v1::StatusResponse* response) {
  return edge_.Serve(
      "Status", *request, response, [this](const v1::StatusRequest& in, v1::StatusResponse* out) {
        const std::shared_ptr<const config::Config> config = config_.Snapshot();
        v1::RuntimeStatus* status = out->mutable_status();
        AddCondition(*status, "RuntimeReady", absl::OkStatus(), "RuntimeNotReady");
        AddCondition(*status, "NetworkReady", network_.Check(), "NetworkPluginNotReady");
        AddRuntimeHandlers(*config, *out);
        if (in.verbose()) (*out->mutable_info())["config"] = config::ToJson(*config).dump();
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::RuntimeConfig(grpc::ServerContext*,
                                           const v1::RuntimeConfigRequest* request,
                                           v1::RuntimeConfigResponse* response) {
  return edge_.Serve("RuntimeConfig", *request, response,
                     [this](const v1::RuntimeConfigRequest&, v1::RuntimeConfigResponse* out) {
                       out->mutable_linux()->set_cgroup_driver(
                           facts_.cgroup_manager == "systemd" ? v1::SYSTEMD : v1::CGROUPFS);
                       return absl::OkStatus();
                     });
}

}  // namespace crio::server
