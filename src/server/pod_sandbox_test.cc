#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/runtime_service.h"
#include "testing/fake_domain.h"
#include "testing/temp_dir.h"

namespace crio::server {
namespace {

class ReadyNetwork final : public network::NetworkReadiness {
 public:
  absl::Status Check() override { return absl::OkStatus(); }
};

class PodSandboxRpcTest : public ::testing::Test {
 protected:
  PodSandboxRpcTest() {
    edge_.SetReady();
    dir_.WriteFile("resolv.conf", "nameserver 192.0.2.1\n");
  }

  v1::PodSandboxConfig Config(const std::string& name) {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid(name + "-uid");
    config.mutable_metadata()->set_attempt(1);
    config.set_hostname(name);
    (*config.mutable_labels())["app"] = name;
    (*config.mutable_annotations())["note"] = "kept";
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
        v1::CONTAINER);
    return config;
  }

  std::string Run(const v1::PodSandboxConfig& config, grpc::Status* status = nullptr) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    v1::RunPodSandboxResponse response;
    const grpc::Status result = service_.RunPodSandbox(nullptr, &request, &response);
    if (status != nullptr) *status = result;
    return response.pod_sandbox_id();
  }

  testing::TempDir dir_;
  RpcEdge edge_;
  config::LiveConfig config_{config::Config{}};
  ReadyNetwork readiness_;
  RuntimeFacts facts_{.cgroup_manager = "cgroupfs"};
  std::unique_ptr<state::Database> db_ = *state::Database::Open(":memory:");
  std::unique_ptr<sandbox::SandboxStore> store_ = *sandbox::SandboxStore::Open(*db_);
  testing::FakeNetwork pod_network_;
  testing::FakeIsolation isolation_;
  sandbox::Sandboxes sandboxes_{{.run_root = dir_.Join("run"),
                                 .namespaces_dir = dir_.Join("ns"),
                                 .log_dir = dir_.Join("logs"),
                                 .runtime_handlers = {"runc"},
                                 .host_resolv_conf = dir_.Join("resolv.conf")},
                                *store_,
                                pod_network_,
                                isolation_};
  std::unique_ptr<container::ContainerStore> container_store_ =
      *container::ContainerStore::Open(*db_);
  std::unique_ptr<storage::ImageStore> images_ =
      *storage::ImageStore::Open(dir_.Join("storage"), dir_.Join("storage-run"));
  storage::ContainerLayers layers_{images_->files()};
  oci::RuntimeHandlers runtimes_ = testing::FakeHandlers();
  testing::StoreImageSource image_source_{*images_};
  container::Containers containers_{{},      *container_store_, sandboxes_, image_source_,
                                    layers_, runtimes_};
  stats::ContainerStatsCollector container_stats_{{}, layers_};
  testing::NoStreams no_streams_;
  std::unique_ptr<stream::StreamServer> streaming_ = *stream::StreamServer::Start({}, no_streams_);
  RuntimeService service_{edge_,      config_,     readiness_,       facts_,
                          sandboxes_, containers_, container_stats_, *streaming_};
};

TEST_F(PodSandboxRpcTest, RunThenStatusReportsWhatWasAskedAndMade) {
  const std::string id = Run(Config("web"));
  ASSERT_EQ(id.size(), 64u);
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id.substr(0, 10));
  request.set_verbose(true);
  v1::PodSandboxStatusResponse response;
  ASSERT_TRUE(service_.PodSandboxStatus(nullptr, &request, &response).ok());
  const v1::PodSandboxStatus& status = response.status();
  EXPECT_EQ(status.id(), id);
  EXPECT_EQ(status.metadata().name(), "web");
  EXPECT_EQ(status.metadata().attempt(), 1u);
  EXPECT_EQ(status.state(), v1::SANDBOX_READY);
  EXPECT_EQ(status.network().ip(), "10.9.0.2");
  EXPECT_EQ(status.linux().namespaces().options().pid(), v1::CONTAINER);
  EXPECT_EQ(status.labels().at("app"), "web");
  EXPECT_EQ(status.annotations().at("note"), "kept");
  const auto info = nlohmann::json::parse(response.info().at("info"));
  EXPECT_EQ(info["namespaces"]["network"], dir_.Join("ns/netns/" + id));
  EXPECT_EQ(info["config"]["metadata"]["name"], "web");
  EXPECT_EQ(info["networkCheck"], "ok");
}

TEST_F(PodSandboxRpcTest, BadRequestsGetClearErrors) {
  grpc::Status status;
  Run(v1::PodSandboxConfig(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("Metadata.Name is empty"), std::string::npos);

  v1::RunPodSandboxRequest no_config;
  v1::RunPodSandboxResponse unused;
  EXPECT_EQ(service_.RunPodSandbox(nullptr, &no_config, &unused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id("feedface");
  v1::PodSandboxStatusResponse response;
  EXPECT_EQ(service_.PodSandboxStatus(nullptr, &request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id("feedface");
  v1::StopPodSandboxResponse stopped;
  EXPECT_TRUE(service_.StopPodSandbox(nullptr, &stop, &stopped).ok());  // unknown: fine
  v1::RemovePodSandboxRequest remove;
  v1::RemovePodSandboxResponse removed;
  EXPECT_EQ(service_.RemovePodSandbox(nullptr, &remove, &removed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // no id at all
}

TEST_F(PodSandboxRpcTest, ListAndStreamApplyFilters) {
  const std::string web = Run(Config("web"));
  const std::string db = Run(Config("db"));
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(db);
  v1::StopPodSandboxResponse stopped;
  ASSERT_TRUE(service_.StopPodSandbox(nullptr, &stop, &stopped).ok());

  v1::ListPodSandboxRequest request;
  request.mutable_filter()->mutable_state()->set_state(v1::SANDBOX_NOTREADY);
  v1::ListPodSandboxResponse response;
  ASSERT_TRUE(service_.ListPodSandbox(nullptr, &request, &response).ok());
  ASSERT_EQ(response.items_size(), 1);
  EXPECT_EQ(response.items(0).id(), db);
  EXPECT_EQ(response.items(0).state(), v1::SANDBOX_NOTREADY);

  request.Clear();
  (*request.mutable_filter()->mutable_label_selector())["app"] = "web";
  response.Clear();
  ASSERT_TRUE(service_.ListPodSandbox(nullptr, &request, &response).ok());
  ASSERT_EQ(response.items_size(), 1);
  EXPECT_EQ(response.items(0).id(), web);
}

TEST_F(PodSandboxRpcTest, UpdateRuntimeConfigPassesThePodCidrToCni) {
  v1::UpdateRuntimeConfigRequest request;
  request.mutable_runtime_config()->mutable_network_config()->set_pod_cidr("10.244.0.0/24");
  v1::UpdateRuntimeConfigResponse response;
  ASSERT_TRUE(service_.UpdateRuntimeConfig(nullptr, &request, &response).ok());
  Run(Config("web"));
  ASSERT_EQ(pod_network_.attached.size(), 1u);
  EXPECT_EQ(pod_network_.attached[0].pod_cidr, "10.244.0.0/24");
}

}  // namespace
}  // namespace crio::server
