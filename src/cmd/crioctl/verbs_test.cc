// End to end: crioctl's verbs against a fake CRI runtime served in-process on a temp unix
// socket, checking the exact text an operator sees.
#include "cmd/crioctl/verbs.h"

#include <sstream>
#include <vector>

#include "cmd/crioctl/cli.h"
#include "common/log.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

// A CRI runtime with canned answers. `runtime_config_status` makes RuntimeConfig fail.
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
    network->set_message("no CNI configuration");
    auto* handler = response->add_runtime_handlers();
    handler->set_name("runc");
    if (request->verbose()) {
      (*response->mutable_info())["config"] = R"({"crio":{"root":"/var/lib/crio"}})";
      (*response->mutable_info())["note"] = "plain text";
    }
    return grpc::Status::OK;
  }
  grpc::Status RuntimeConfig(grpc::ServerContext*, const v1::RuntimeConfigRequest*,
                             v1::RuntimeConfigResponse* response) override {
    if (!runtime_config_status.ok()) return runtime_config_status;
    response->mutable_linux()->set_cgroup_driver(v1::SYSTEMD);
    return grpc::Status::OK;
  }

  grpc::Status runtime_config_status = grpc::Status::OK;
};

using Verb = int (*)(Client&, const std::string&, const CommandIo&);

class VerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&runtime_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    Connect({.runtime_endpoint = "unix://" + socket_});
  }
  void TearDown() override { server_->Shutdown(); }

  void Connect(const ClientOptions& options) {
    auto client = Client::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  int Run(Verb verb, const std::string& output = "") {
    out_.str("");
    err_.str("");
    return verb(*client_, output, CommandIo{out_, err_});
  }

  testing::TempDir dir_;
  const std::string socket_ = dir_.Join("cri.sock");
  const std::string endpoint_ = "unix://" + socket_;
  FakeRuntime runtime_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
  std::ostringstream out_, err_;
};

TEST_F(VerbsTest, VersionPrintsCrictlText) {
  ASSERT_EQ(Run(RunVersion), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "Version:  0.1.0\n"
            "RuntimeName:  fake\n"
            "RuntimeVersion:  9.9\n"
            "RuntimeApiVersion:  v1\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(VerbsTest, VersionAsJsonOrYaml) {
  ASSERT_EQ(Run(RunVersion, "json"), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str()), json::parse(R"({"version": "0.1.0", "runtimeName": "fake",
                                         "runtimeVersion": "9.9", "runtimeApiVersion": "v1"})"));
  ASSERT_EQ(Run(RunVersion, "yaml"), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "runtimeApiVersion: v1\n"
            "runtimeName: fake\n"
            "runtimeVersion: \"9.9\"\n"
            "version: 0.1.0\n");
}

TEST_F(VerbsTest, InfoMergesStatusHandlersAndVerboseInfo) {
  ASSERT_EQ(Run(RunInfo), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str()), json::parse(R"({
    "status": {"conditions": [
      {"type": "RuntimeReady", "status": true, "reason": "", "message": ""},
      {"type": "NetworkReady", "status": false, "reason": "NetworkPluginNotReady",
       "message": "no CNI configuration"}]},
    "runtimeHandlers": [{"name": "runc"}],
    "config": {"crio": {"root": "/var/lib/crio"}},
    "note": "plain text"})"));
  EXPECT_TRUE(out_.str().starts_with("{\n  \"config\": {\n")) << out_.str();  // crictl's indent
}

TEST_F(VerbsTest, InfoAsYaml) {
  ASSERT_EQ(Run(RunInfo, "yaml"), 0) << err_.str();
  EXPECT_NE(out_.str().find("status:\n  conditions:\n  - message: \"\"\n    reason: \"\"\n"
                            "    status: true\n    type: RuntimeReady\n"),
            std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("config:\n  crio:\n    root: /var/lib/crio\n"), std::string::npos);
}

TEST_F(VerbsTest, InfoRefusesOtherFormats) {
  EXPECT_EQ(Run(RunInfo, "table"), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: info: output format \"table\" is not supported here (allowed: json, yaml)\n");
  EXPECT_EQ(Run(RunInfo, "go-template"), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: info: output format \"go-template\" is not supported by crioctl\n");
  EXPECT_EQ(Run(RunInfo, "xml"), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: info: unknown output format \"xml\" (allowed: json, yaml, table)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(VerbsTest, RuntimeConfigShowsTheCgroupDriver) {
  ASSERT_EQ(Run(RunRuntimeConfig), 0) << err_.str();
  EXPECT_EQ(out_.str(), "{\n  \"linux\": {\n    \"cgroupDriver\": \"SYSTEMD\"\n  }\n}\n");
  ASSERT_EQ(Run(RunRuntimeConfig, "yaml"), 0) << err_.str();
  EXPECT_EQ(out_.str(), "linux:\n  cgroupDriver: SYSTEMD\n");
}

TEST_F(VerbsTest, FailedCallIsReportedAsCrictlDoes) {
  runtime_.runtime_config_status =
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "RuntimeConfig is not implemented");
  EXPECT_EQ(Run(RunRuntimeConfig), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "crioctl: runtime-config: rpc error: code = Unimplemented desc = RuntimeConfig is not "
            "implemented\n");
}

TEST_F(VerbsTest, UnregisteredServiceIsUnimplemented) {
  out_.str("");
  err_.str("");
  EXPECT_EQ(RunImageFsInfo(*client_, "", CommandIo{out_, err_}), 1);
  EXPECT_TRUE(
      err_.str().starts_with("crioctl: imagefsinfo: rpc error: code = Unimplemented desc ="))
      << err_.str();
}

TEST_F(VerbsTest, UnreachableRuntimeNamesItsEndpoint) {
  const std::string gone = "unix://" + dir_.Join("gone.sock");
  Connect({.runtime_endpoint = gone, .timeout = std::chrono::milliseconds(500)});
  EXPECT_EQ(Run(RunVersion), 1);
  EXPECT_TRUE(err_.str().starts_with("crioctl: version: cannot reach " + gone +
                                     ": rpc error: code = Unavailable desc = "))
      << err_.str();
  EXPECT_EQ(out_.str(), "");
}

TEST_F(VerbsTest, UnreachableImageServiceNamesTheImageEndpoint) {
  const std::string gone = "unix://" + dir_.Join("images.sock");
  Connect({.runtime_endpoint = "unix://" + socket_,
           .image_endpoint = gone,
           .timeout = std::chrono::milliseconds(500)});
  ASSERT_EQ(Run(RunVersion), 0) << err_.str();  // the runtime is still reachable
  out_.str("");
  err_.str("");
  EXPECT_EQ(RunImageFsInfo(*client_, "", CommandIo{out_, err_}), 1);
  EXPECT_TRUE(err_.str().starts_with("crioctl: imagefsinfo: cannot reach " + gone + ": "))
      << err_.str();
}

TEST_F(VerbsTest, DebugLogsRequestsAndResponses) {
  Connect({.runtime_endpoint = "unix://" + socket_, .debug = true});
  const log::Level saved = log::CurrentLevel();
  log::SetLevel(log::Level::kDebug);
  ::testing::internal::CaptureStderr();
  const int exit_code = Run(RunVersion);
  const std::string logged = ::testing::internal::GetCapturedStderr();
  log::SetLevel(saved);
  ASSERT_EQ(exit_code, 0) << err_.str();
  EXPECT_NE(logged.find("/runtime.v1.RuntimeService/Version request: VersionRequest {version: "),
            std::string::npos)
      << logged;
  EXPECT_NE(logged.find("/runtime.v1.RuntimeService/Version response: VersionResponse {"),
            std::string::npos)
      << logged;
}

TEST_F(VerbsTest, CommandLineAsAnOperatorTypesIt) {
  auto crioctl = [&](std::vector<const char*> args) {
    args.insert(args.begin(), {"crioctl", "-r", endpoint_.c_str()});
    out_.str("");
    err_.str("");
    return RunCommandLine(static_cast<int>(args.size()), args.data(), CommandIo{out_, err_});
  };
  ASSERT_EQ(crioctl({"version"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "Version:  0.1.0\nRuntimeName:  fake\nRuntimeVersion:  9.9\nRuntimeApiVersion:  v1\n");
  ASSERT_EQ(crioctl({"info", "-o", "yaml"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("    type: RuntimeReady\n"), std::string::npos) << out_.str();
  ASSERT_EQ(crioctl({"-t", "5s", "runtime-config", "--output", "json"}), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str())["linux"]["cgroupDriver"], "SYSTEMD");
  EXPECT_EQ(crioctl({"info", "-o", "table"}), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: info: output format \"table\" is not supported here (allowed: json, yaml)\n");
}

}  // namespace
}  // namespace crio::crioctl
