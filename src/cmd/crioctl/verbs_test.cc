#include "cmd/crioctl/verbs.h"

#include <sstream>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

// A CRI runtime with canned answers, served in-process on a temp unix socket.
class FakeRuntime final : public v1::RuntimeService::Service {
 public:
  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest*,
                       v1::VersionResponse* response) override {
    response->set_version("0.1.0");
    response->set_runtime_name("fake");
    response->set_runtime_version("9.9");
    response->set_runtime_api_version("v1");
    return grpc::Status::OK;
  }
  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override {
    auto* ready = response->mutable_status()->add_conditions();
    ready->set_type("RuntimeReady");
    ready->set_status(true);
    auto* network = response->mutable_status()->add_conditions();
    network->set_type("NetworkReady");
    network->set_reason("NetworkPluginNotReady");
    if (request->verbose()) {
      (*response->mutable_info())["config"] = R"({"crio":{"root":"/var/lib/crio"}})";
      (*response->mutable_info())["note"] = "plain text";
    }
    return grpc::Status::OK;
  }
  grpc::Status RuntimeConfig(grpc::ServerContext*, const v1::RuntimeConfigRequest*,
                             v1::RuntimeConfigResponse* response) override {
    response->mutable_linux()->set_cgroup_driver(v1::CGROUPFS);
    return grpc::Status::OK;
  }
};

class VerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&runtime_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto client = Client::Connect({.runtime_endpoint = "unix://" + socket_});
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }
  void TearDown() override { server_->Shutdown(); }

  int Run(int (*verb)(Client&, const std::string&, const CommandIo&), const std::string& output) {
    out_.str("");
    err_.str("");
    return verb(*client_, output, CommandIo{out_, err_});
  }

  testing::TempDir dir_;
  const std::string socket_ = dir_.Join("cri.sock");
  FakeRuntime runtime_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
  std::ostringstream out_, err_;
};

TEST_F(VerbsTest, VersionPrintsCrictlText) {
  ASSERT_EQ(Run(RunVersion, ""), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "Version:  0.1.0\nRuntimeName:  fake\nRuntimeVersion:  9.9\nRuntimeApiVersion:  v1\n");
  ASSERT_EQ(Run(RunVersion, "json"), 0);
  EXPECT_EQ(json::parse(out_.str())["runtimeName"], "fake");
  ASSERT_EQ(Run(RunVersion, "yaml"), 0);
  EXPECT_NE(out_.str().find("runtimeApiVersion: v1"), std::string::npos) << out_.str();
}

TEST_F(VerbsTest, InfoMergesStatusAndVerboseInfo) {
  ASSERT_EQ(Run(RunInfo, ""), 0) << err_.str();
  const json info = json::parse(out_.str());
  EXPECT_EQ(info["status"]["conditions"][0]["type"], "RuntimeReady");
  EXPECT_EQ(info["status"]["conditions"][0]["status"], true);
  EXPECT_EQ(info["status"]["conditions"][1]["status"], false);  // primitives always printed
  EXPECT_EQ(info["config"]["crio"]["root"], "/var/lib/crio");   // JSON info is parsed
  EXPECT_EQ(info["note"], "plain text");                        // other info kept as text
  EXPECT_EQ(Run(RunInfo, "table"), 1);
  EXPECT_NE(err_.str().find("not supported"), std::string::npos);
  EXPECT_EQ(Run(RunInfo, "xml"), 1);
  EXPECT_NE(err_.str().find("allowed: json, yaml, table"), std::string::npos) << err_.str();
}

TEST_F(VerbsTest, RuntimeConfigShowsTheCgroupDriver) {
  ASSERT_EQ(Run(RunRuntimeConfig, ""), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str())["linux"]["cgroupDriver"], "CGROUPFS");
}

TEST_F(VerbsTest, UnimplementedIsReportedAsCrictlDoes) {
  server_->Shutdown();
  auto client = Client::Connect({.runtime_endpoint = "unix://" + dir_.Join("gone.sock"),
                                 .timeout = std::chrono::milliseconds(300)});
  ASSERT_TRUE(client.ok());
  client_ = std::move(*client);
  EXPECT_EQ(Run(RunVersion, ""), 1);
  EXPECT_NE(err_.str().find("crioctl: version: cannot reach unix://" + dir_.Join("gone.sock")),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("rpc error: code = "), std::string::npos) << err_.str();
}

TEST(EndpointTest, AcceptsUnixUrlsAndAbsolutePaths) {
  EXPECT_EQ(*SocketPath("unix:///run/crio/crio.sock"), "/run/crio/crio.sock");
  EXPECT_EQ(*SocketPath("/run/crio/crio.sock"), "/run/crio/crio.sock");
  EXPECT_FALSE(SocketPath("tcp://127.0.0.1:1234").ok());
  EXPECT_FALSE(SocketPath("relative.sock").ok());
}

TEST(RpcErrorTest, UsesGoCodeNames) {
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no")),
            "rpc error: code = Unimplemented desc = no");
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow")),
            "rpc error: code = DeadlineExceeded desc = slow");
}

}  // namespace
}  // namespace crio::crioctl
