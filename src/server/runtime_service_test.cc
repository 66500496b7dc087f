#include "server/runtime_service.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/fake_domain.h"
#include "testing/temp_dir.h"
#include "version.h"

namespace crio::server {
namespace {

class FakeNetwork final : public network::NetworkReadiness {
 public:
  absl::Status Check() override { return state; }
  absl::Status state = absl::OkStatus();
};

class RuntimeServiceTest : public ::testing::Test {
 protected:
  RuntimeServiceTest() { edge_.SetReady(); }

  RpcEdge edge_;
  config::LiveConfig config_{config::Config{}};
  FakeNetwork network_;
  RuntimeFacts facts_{.cgroup_manager = "cgroupfs"};
  testing::TempDir dir_;
  testing::FakeDomain domain_{dir_.path()};
  RuntimeService service_{edge_,
                          config_,
                          network_,
                          facts_,
                          domain_.sandboxes,
                          domain_.containers,
                          domain_.container_stats,
                          *domain_.streaming};
};

TEST_F(RuntimeServiceTest, VersionNamesThisRuntimeAndApiV1) {
  v1::VersionResponse response;
  ASSERT_TRUE(service_.Version(nullptr, &v1::VersionRequest::default_instance(), &response).ok());
  EXPECT_EQ(response.version(), "0.1.0");
  EXPECT_EQ(response.runtime_name(), kRuntimeName);
  EXPECT_EQ(response.runtime_version(), kVersion);
  EXPECT_EQ(response.runtime_api_version(), "v1");
}

TEST_F(RuntimeServiceTest, StatusReportsBothConditions) {
  v1::StatusResponse response;
  ASSERT_TRUE(service_.Status(nullptr, &v1::StatusRequest::default_instance(), &response).ok());
  ASSERT_EQ(response.status().conditions_size(), 2);
  EXPECT_EQ(response.status().conditions(0).type(), "RuntimeReady");
  EXPECT_TRUE(response.status().conditions(0).status());
  EXPECT_EQ(response.status().conditions(1).type(), "NetworkReady");
  EXPECT_TRUE(response.status().conditions(1).status());
  EXPECT_TRUE(response.info().empty());
  ASSERT_EQ(response.runtime_handlers_size(), 2);
  EXPECT_EQ(response.runtime_handlers(0).name(), "");
  EXPECT_EQ(response.runtime_handlers(1).name(), "runc");
}

TEST_F(RuntimeServiceTest, NetworkNotReadyCarriesReasonAndMessage) {
  network_.state = absl::FailedPreconditionError("No CNI configuration file in /etc/cni/net.d/");
  v1::StatusResponse response;
  ASSERT_TRUE(service_.Status(nullptr, &v1::StatusRequest::default_instance(), &response).ok());
  const v1::RuntimeCondition& network = response.status().conditions(1);
  EXPECT_FALSE(network.status());
  EXPECT_EQ(network.reason(), "NetworkPluginNotReady");
  EXPECT_EQ(network.message(), "No CNI configuration file in /etc/cni/net.d/");
}

TEST_F(RuntimeServiceTest, VerboseStatusCarriesTheConfigAsJson) {
  v1::StatusRequest request;
  request.set_verbose(true);
  v1::StatusResponse response;
  ASSERT_TRUE(service_.Status(nullptr, &request, &response).ok());
  ASSERT_EQ(response.info().count("config"), 1u);
  const auto config = nlohmann::json::parse(response.info().at("config"));
  EXPECT_EQ(config.dump().find("/var/run/crio/crio.sock") != std::string::npos, true);
}

TEST_F(RuntimeServiceTest, RuntimeConfigReportsTheCgroupDriverInEffect) {
  v1::RuntimeConfigResponse response;
  ASSERT_TRUE(
      service_.RuntimeConfig(nullptr, &v1::RuntimeConfigRequest::default_instance(), &response)
          .ok());
  EXPECT_EQ(response.linux().cgroup_driver(), v1::CGROUPFS);

  RuntimeFacts systemd{.cgroup_manager = "systemd"};
  RuntimeService with_systemd(edge_, config_, network_, systemd, domain_.sandboxes,
                              domain_.containers, domain_.container_stats, *domain_.streaming);
  ASSERT_TRUE(
      with_systemd.RuntimeConfig(nullptr, &v1::RuntimeConfigRequest::default_instance(), &response)
          .ok());
  EXPECT_EQ(response.linux().cgroup_driver(), v1::SYSTEMD);
}

TEST_F(RuntimeServiceTest, PendingRpcsAnswerUnimplementedWithTheirFeature) {
  v1::CheckpointContainerResponse response;
  const grpc::Status status = service_.CheckpointContainer(
      nullptr, &v1::CheckpointContainerRequest::default_instance(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("checkpoint"), std::string::npos);
}

TEST_F(RuntimeServiceTest, StreamingRequestsAreCheckedBeforeAUrlIsIssued) {
  v1::ExecResponse exec;
  grpc::Status status = service_.Exec(nullptr, &v1::ExecRequest::default_instance(), &exec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "missing required container_id");
  v1::ExecRequest request;
  request.set_container_id("nope");
  request.add_cmd("true");
  request.set_tty(true);
  request.set_stderr(true);
  status = service_.Exec(nullptr, &request, &exec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "tty and stderr cannot both be true");
  request.set_tty(false);
  status = service_.Exec(nullptr, &request, &exec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  request.clear_cmd();
  status = service_.Exec(nullptr, &request, &exec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(exec.url().empty());

  v1::AttachRequest attach;
  attach.set_container_id("nope");
  v1::AttachResponse attached;
  status = service_.Attach(nullptr, &attach, &attached);
  EXPECT_EQ(status.error_message(), "one of stdin, stdout, or stderr must be set");

  v1::PortForwardRequest forward;
  v1::PortForwardResponse forwarded;
  status = service_.PortForward(nullptr, &forward, &forwarded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  forward.set_pod_sandbox_id("nope");
  forward.add_port(0);
  status = service_.PortForward(nullptr, &forward, &forwarded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  forward.set_port(0, 80);
  status = service_.PortForward(nullptr, &forward, &forwarded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace crio::server
