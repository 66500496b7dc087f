// crioctl's pod verbs against an in-process fake runtime that keeps pods in memory.
#include <chrono>
#include <sstream>

#include "cmd/crioctl/verbs.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

class FakePods final : public v1::RuntimeService::Service {
 public:
  grpc::Status RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest* request,
                             v1::RunPodSandboxResponse* response) override {
    last_run = *request;
    v1::PodSandbox pod;
    pod.set_id(std::string(64, static_cast<char>('a' + pods.size())));
    *pod.mutable_metadata() = request->config().metadata();
    pod.set_state(v1::SANDBOX_READY);
    pod.set_created_at(Now() - static_cast<int64_t>(10 - pods.size()) * 1'000'000'000);
    *pod.mutable_labels() = request->config().labels();
    pod.set_runtime_handler(request->runtime_handler());
    pods.push_back(pod);
    response->set_pod_sandbox_id(pod.id());
    return grpc::Status::OK;
  }
  grpc::Status StopPodSandbox(grpc::ServerContext*, const v1::StopPodSandboxRequest* request,
                              v1::StopPodSandboxResponse*) override {
    if (auto* pod = Find(request->pod_sandbox_id())) pod->set_state(v1::SANDBOX_NOTREADY);
    return grpc::Status::OK;
  }
  grpc::Status RemovePodSandbox(grpc::ServerContext*, const v1::RemovePodSandboxRequest* request,
                                v1::RemovePodSandboxResponse*) override {
    std::erase_if(pods,
                  [&](const v1::PodSandbox& pod) { return pod.id() == request->pod_sandbox_id(); });
    return grpc::Status::OK;
  }
  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* request,
                                v1::PodSandboxStatusResponse* response) override {
    v1::PodSandbox* pod = Find(request->pod_sandbox_id());
    if (pod == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such pod");
    response->mutable_status()->set_id(pod->id());
    response->mutable_status()->set_state(pod->state());
    if (request->verbose()) (*response->mutable_info())["info"] = R"({"runDir":"/run/x"})";
    return grpc::Status::OK;
  }
  grpc::Status ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest* request,
                              v1::ListPodSandboxResponse* response) override {
    last_filter = request->filter();
    for (const v1::PodSandbox& pod : pods) {
      if (request->filter().has_state() && pod.state() != request->filter().state().state()) {
        continue;
      }
      *response->add_items() = pod;
    }
    return grpc::Status::OK;
  }

  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  v1::PodSandbox* Find(const std::string& id) {
    for (v1::PodSandbox& pod : pods) {
      if (pod.id() == id) return &pod;
    }
    return nullptr;
  }

  std::vector<v1::PodSandbox> pods;
  v1::RunPodSandboxRequest last_run;
  v1::PodSandboxFilter last_filter;
};

class PodVerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + dir_.Join("fake.sock"), grpc::InsecureServerCredentials());
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto client = Client::Connect({.runtime_endpoint = "unix://" + dir_.Join("fake.sock")});
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }
  void TearDown() override { server_->Shutdown(); }

  CommandIo Io() {
    out_.str("");
    err_.str("");
    return {out_, err_};
  }

  testing::TempDir dir_;
  FakePods fake_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
  std::ostringstream out_, err_;
};

TEST_F(PodVerbsTest, RunpReadsJsonOrYaml) {
  const std::string yaml = dir_.WriteFile("pod.yaml",
                                          "metadata:\n  name: web\n  namespace: default\n"
                                          "  uid: u1\n  attempt: 2\n"
                                          "port_mappings:\n  - container_port: 80\n"
                                          "    host_port: 8080\n"
                                          "linux:\n  security_context:\n    privileged: true\n");
  ASSERT_EQ(RunRunPod(*client_, yaml, "runc", Io()), 0) << err_.str();
  EXPECT_EQ(out_.str(), std::string(64, 'a') + "\n");
  EXPECT_EQ(fake_.last_run.config().metadata().attempt(), 2u);
  EXPECT_EQ(fake_.last_run.config().port_mappings(0).host_port(), 8080);
  EXPECT_TRUE(fake_.last_run.config().linux().security_context().privileged());
  EXPECT_EQ(fake_.last_run.runtime_handler(), "runc");

  const std::string json_file = dir_.WriteFile(
      "pod.json", R"({"metadata":{"name":"db","namespace":"prod","uid":"u2"},"hostname":"db"})");
  ASSERT_EQ(RunRunPod(*client_, json_file, "", Io()), 0) << err_.str();
  EXPECT_EQ(fake_.last_run.config().hostname(), "db");
}

TEST_F(PodVerbsTest, RunpExplainsBadFiles) {
  EXPECT_EQ(RunRunPod(*client_, dir_.Join("missing.json"), "", Io()), 1);
  EXPECT_NE(err_.str().find("crioctl: runp: "), std::string::npos) << err_.str();
  const std::string bad = dir_.WriteFile("bad.json", R"({"metadata":{"nmae":"typo"}})");
  EXPECT_EQ(RunRunPod(*client_, bad, "", Io()), 1);
  EXPECT_NE(err_.str().find("nmae"), std::string::npos) << err_.str();
}

TEST_F(PodVerbsTest, PodsTableFiltersAndFormats) {
  for (const char* name : {"web", "db", "web-canary"}) {
    const std::string file = dir_.WriteFile(
        std::string(name) + ".json",
        fmt::format(R"({{"metadata":{{"name":"{}","namespace":"default","uid":"u"}},)"
                    R"("labels":{{"app":"{}"}}}})",
                    name, name));
    ASSERT_EQ(RunRunPod(*client_, file, "", Io()), 0);
  }
  ASSERT_EQ(RunStopPods(*client_, {fake_.pods[1].id()}, Io()), 0);
  EXPECT_EQ(out_.str(), "Stopped sandbox " + fake_.pods[1].id() + "\n");

  ASSERT_EQ(RunPods(*client_, {}, Io()), 0);
  std::istringstream table(out_.str());
  std::string header, newest;
  std::getline(table, header);
  std::getline(table, newest);
  EXPECT_TRUE(header.starts_with("POD ID              CREATED")) << header;
  EXPECT_NE(header.find("RUNTIME"), std::string::npos);
  EXPECT_TRUE(newest.starts_with(fake_.pods[2].id().substr(0, 13))) << newest;  // newest first
  EXPECT_NE(newest.find("(default)"), std::string::npos);

  ASSERT_EQ(RunPods(*client_, {.name = "^web", .quiet = true}, Io()), 0);
  EXPECT_EQ(out_.str(), fake_.pods[2].id() + "\n" + fake_.pods[0].id() + "\n");
  ASSERT_EQ(RunPods(*client_, {.state = "NotReady", .quiet = true}, Io()), 0);
  EXPECT_EQ(out_.str(), fake_.pods[1].id() + "\n");
  ASSERT_EQ(RunPods(*client_, {.labels = {"app=db"}, .quiet = true}, Io()), 0);
  EXPECT_EQ(fake_.last_filter.label_selector().at("app"), "db");
  EXPECT_EQ(RunPods(*client_, {.state = "sleepy"}, Io()), 1);
  EXPECT_EQ(RunPods(*client_, {.labels = {"novalue"}}, Io()), 1);

  ASSERT_EQ(RunPods(*client_, {.output = "json"}, Io()), 0);
  EXPECT_EQ(json::parse(out_.str())["items"].size(), 3u);
}

TEST_F(PodVerbsTest, RmpRefusesReadyPodsUnlessForced) {
  const std::string file =
      dir_.WriteFile("pod.json", R"({"metadata":{"name":"web","namespace":"default","uid":"u"}})");
  ASSERT_EQ(RunRunPod(*client_, file, "", Io()), 0);
  const std::string id = fake_.pods[0].id();
  EXPECT_EQ(RunRemovePods(*client_, {.ids = {id}}, Io()), 1);
  EXPECT_NE(err_.str().find("is running, please stop it first or use --force"), std::string::npos);
  ASSERT_EQ(RunRemovePods(*client_, {.ids = {id}, .force = true}, Io()), 0);
  EXPECT_EQ(out_.str(), "Removed sandbox " + id + "\n");
  EXPECT_TRUE(fake_.pods.empty());
}

TEST_F(PodVerbsTest, InspectpMergesVerboseInfo) {
  const std::string file =
      dir_.WriteFile("pod.json", R"({"metadata":{"name":"web","namespace":"default","uid":"u"}})");
  ASSERT_EQ(RunRunPod(*client_, file, "", Io()), 0);
  ASSERT_EQ(RunInspectPods(*client_, {fake_.pods[0].id()}, "", Io()), 0);
  const json inspected = json::parse(out_.str());
  EXPECT_EQ(inspected["status"]["id"], fake_.pods[0].id());
  EXPECT_EQ(inspected["info"]["runDir"], "/run/x");
  EXPECT_EQ(RunInspectPods(*client_, {"nope"}, "", Io()), 1);
  EXPECT_NE(err_.str().find("NotFound"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace crio::crioctl
