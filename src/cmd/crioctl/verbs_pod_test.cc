// crioctl's pod verbs against an in-process fake runtime that keeps pods in memory, checking
// the text an operator sees from runp, stopp, rmp, pods and inspectp.
#include <chrono>
#include <map>
#include <regex>
#include <sstream>

#include "cmd/crioctl/cli.h"
#include "cmd/crioctl/verbs.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

// Pods in memory. Each new pod is a second newer than the one before, all about two minutes
// old; `failures` makes the named rpc return that status instead.
class FakePods final : public v1::RuntimeService::Service {
 public:
  grpc::Status RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest* request,
                             v1::RunPodSandboxResponse* response) override {
    ++run_calls;
    if (auto failure = Failure("RunPodSandbox"); !failure.ok()) return failure;
    last_run = *request;
    v1::PodSandbox pod;
    pod.set_id(std::string(64, static_cast<char>('a' + pods.size())));
    *pod.mutable_metadata() = request->config().metadata();
    pod.set_state(v1::SANDBOX_READY);
    pod.set_created_at(Now() - (150 - static_cast<int64_t>(pods.size())) * 1'000'000'000);
    *pod.mutable_labels() = request->config().labels();
    pod.set_runtime_handler(request->runtime_handler());
    pods.push_back(pod);
    response->set_pod_sandbox_id(pod.id());
    return grpc::Status::OK;
  }
  grpc::Status StopPodSandbox(grpc::ServerContext*, const v1::StopPodSandboxRequest* request,
                              v1::StopPodSandboxResponse*) override {
    stopped.push_back(request->pod_sandbox_id());
    if (auto failure = Failure("StopPodSandbox"); !failure.ok()) return failure;
    if (auto* pod = Find(request->pod_sandbox_id())) pod->set_state(v1::SANDBOX_NOTREADY);
    return grpc::Status::OK;
  }
  grpc::Status RemovePodSandbox(grpc::ServerContext*, const v1::RemovePodSandboxRequest* request,
                                v1::RemovePodSandboxResponse*) override {
    removed.push_back(request->pod_sandbox_id());
    if (auto failure = Failure("RemovePodSandbox"); !failure.ok()) return failure;
    std::erase_if(pods,
                  [&](const v1::PodSandbox& pod) { return pod.id() == request->pod_sandbox_id(); });
    return grpc::Status::OK;
  }
  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* request,
                                v1::PodSandboxStatusResponse* response) override {
    last_status_verbose = request->verbose();
    if (auto failure = Failure("PodSandboxStatus"); !failure.ok()) return failure;
    v1::PodSandbox* pod = Find(request->pod_sandbox_id());
    if (pod == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such pod");
    response->mutable_status()->set_id(pod->id());
    *response->mutable_status()->mutable_metadata() = pod->metadata();
    response->mutable_status()->set_state(pod->state());
    response->mutable_status()->set_created_at(pod->created_at());
    if (request->verbose()) {
      (*response->mutable_info())["info"] = R"({"runDir":"/run/x"})";
      (*response->mutable_info())["note"] = "plain text";
    }
    return grpc::Status::OK;
  }
  grpc::Status ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest* request,
                              v1::ListPodSandboxResponse* response) override {
    last_filter = request->filter();
    if (auto failure = Failure("ListPodSandbox"); !failure.ok()) return failure;
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
  grpc::Status Failure(const std::string& rpc) const {
    const auto it = failures.find(rpc);
    return it == failures.end() ? grpc::Status::OK : it->second;
  }

  std::vector<v1::PodSandbox> pods;
  std::map<std::string, grpc::Status> failures;
  int run_calls = 0;
  v1::RunPodSandboxRequest last_run;
  v1::PodSandboxFilter last_filter;
  bool last_status_verbose = false;
  std::vector<std::string> stopped, removed;
};

class PodVerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto client = Client::Connect({.runtime_endpoint = "unix://" + socket_});
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }
  void TearDown() override { server_->Shutdown(); }

  CommandIo Io() {
    out_.str("");
    err_.str("");
    return {out_, err_};
  }

  // Runs a pod named `name` in `pod_namespace` through runp; returns its ID.
  std::string RunPod(const std::string& name, const std::string& pod_namespace = "default",
                     const std::string& handler = "") {
    const std::string file = dir_.WriteFile(
        name + ".json",
        fmt::format(R"({{"metadata":{{"name":"{}","namespace":"{}","uid":"u","attempt":1}},)"
                    R"("labels":{{"app":"{}"}}}})",
                    name, pod_namespace, name));
    EXPECT_EQ(RunRunPod(*client_, file, handler, Io()), 0) << err_.str();
    return fake_.pods.back().id();
  }

  // The IDs `pods -q` prints for `options`, one a line.
  std::string QuietPods(PodsOptions options) {
    options.quiet = true;
    EXPECT_EQ(RunPods(*client_, options, Io()), 0) << err_.str();
    return out_.str();
  }

  testing::TempDir dir_;
  const std::string socket_ = dir_.Join("fake.sock");
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
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(fake_.last_run.config().metadata().attempt(), 2u);
  EXPECT_EQ(fake_.last_run.config().port_mappings(0).host_port(), 8080);
  EXPECT_TRUE(fake_.last_run.config().linux().security_context().privileged());
  EXPECT_EQ(fake_.last_run.runtime_handler(), "runc");

  // Proto field names and lowerCamelCase both, as protobuf's JSON parser reads them.
  const std::string json_file = dir_.WriteFile(
      "pod.json", R"({"metadata":{"name":"db","namespace":"prod","uid":"u2"},"hostname":"db",
                      "dnsConfig":{"servers":["10.0.0.10"]},"log_directory":"/var/log/pods/db"})");
  ASSERT_EQ(RunRunPod(*client_, json_file, "", Io()), 0) << err_.str();
  EXPECT_EQ(fake_.last_run.config().hostname(), "db");
  EXPECT_EQ(fake_.last_run.config().dns_config().servers(0), "10.0.0.10");
  EXPECT_EQ(fake_.last_run.config().log_directory(), "/var/log/pods/db");
  EXPECT_EQ(fake_.last_run.runtime_handler(), "");
}

TEST_F(PodVerbsTest, RunpExplainsBadFilesWithoutCallingTheRuntime) {
  const std::string missing = dir_.Join("missing.json");
  EXPECT_EQ(RunRunPod(*client_, missing, "", Io()), 1);
  EXPECT_TRUE(err_.str().starts_with("crioctl: runp: ")) << err_.str();
  EXPECT_NE(err_.str().find(missing), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str(), "");

  const std::string truncated = dir_.WriteFile("truncated.json", R"({"metadata": {"name": )");
  EXPECT_EQ(RunRunPod(*client_, truncated, "", Io()), 1);
  EXPECT_TRUE(err_.str().starts_with("crioctl: runp: " + truncated + ": ")) << err_.str();

  const std::string typo = dir_.WriteFile("typo.json", R"({"metadata":{"nmae":"typo"}})");
  EXPECT_EQ(RunRunPod(*client_, typo, "", Io()), 1);
  EXPECT_NE(err_.str().find("nmae"), std::string::npos) << err_.str();

  const std::string wrong_type = dir_.WriteFile("wrong.json", R"({"metadata":{"attempt":"x"}})");
  EXPECT_EQ(RunRunPod(*client_, wrong_type, "", Io()), 1);
  EXPECT_TRUE(err_.str().starts_with("crioctl: runp: " + wrong_type + ": ")) << err_.str();

  const std::string list = dir_.WriteFile("list.yaml", "- metadata:\n    name: web\n");
  EXPECT_EQ(RunRunPod(*client_, list, "", Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: runp: " + list + ": not a JSON or YAML object\n");
  EXPECT_EQ(fake_.run_calls, 0);
}

TEST_F(PodVerbsTest, RunpReportsAFailedCall) {
  fake_.failures["RunPodSandbox"] =
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no such runtime handler \"kata\"");
  const std::string file = dir_.WriteFile("pod.json", R"({"metadata":{"name":"web"}})");
  EXPECT_EQ(RunRunPod(*client_, file, "kata", Io()), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "crioctl: runp: rpc error: code = InvalidArgument desc = no such runtime handler "
            "\"kata\"\n");
}

TEST_F(PodVerbsTest, StoppStopsEachPodAndReportsFailures) {
  const std::string web = RunPod("web"), db = RunPod("db");
  ASSERT_EQ(RunStopPods(*client_, {web, db}, Io()), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Stopped sandbox " + web + "\nStopped sandbox " + db + "\n");
  EXPECT_EQ(fake_.pods[0].state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(fake_.pods[1].state(), v1::SANDBOX_NOTREADY);

  fake_.failures["StopPodSandbox"] = grpc::Status(grpc::StatusCode::INTERNAL, "netns busy");
  EXPECT_EQ(RunStopPods(*client_, {web, db}, Io()), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "crioctl: stopp: rpc error: code = Internal desc = netns busy\n"
            "crioctl: stopp: rpc error: code = Internal desc = netns busy\n");
  EXPECT_EQ(RunStopPods(*client_, {}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: stopp: no ID given\n");
}

TEST_F(PodVerbsTest, PodsTableAsCrictlPrintsIt) {
  const std::string web = RunPod("web", "default", "runc");
  const std::string db = RunPod("db", "prod");
  ASSERT_EQ(RunStopPods(*client_, {db}, Io()), 0);
  ASSERT_EQ(RunPods(*client_, {}, Io()), 0) << err_.str();
  // crictl's tabwriter: every column at least 20 wide; the last one unpadded. Newest first.
  const auto row = [](const std::string& a, const std::string& b, const std::string& c,
                      const std::string& d, const std::string& e, const std::string& f,
                      const std::string& g) {
    return fmt::format("{:<20}{:<20}{:<20}{:<20}{:<20}{:<20}{}\n", a, b, c, d, e, f, g);
  };
  EXPECT_EQ(out_.str(),
            row("POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME") +
                row(db.substr(0, 13), "2 minutes ago", "NotReady", "db", "prod", "1", "(default)") +
                row(web.substr(0, 13), "2 minutes ago", "Ready", "web", "default", "1", "runc"));

  ASSERT_EQ(RunPods(*client_, {.no_trunc = true}, Io()), 0);
  EXPECT_NE(out_.str().find(db + "   2 minutes ago"), std::string::npos) << out_.str();
}

TEST_F(PodVerbsTest, PodsFiltersOnTheRuntimeAndByPattern) {
  const std::string web = RunPod("web"), db = RunPod("db", "prod"),
                    canary = RunPod("web-canary", "staging");
  ASSERT_EQ(RunStopPods(*client_, {db}, Io()), 0);

  EXPECT_EQ(QuietPods({.id = "bbb"}), canary + "\n" + db + "\n" + web + "\n");  // fake ignores
  EXPECT_EQ(fake_.last_filter.id(), "bbb");
  EXPECT_EQ(QuietPods({.name = "^web"}), canary + "\n" + web + "\n");
  EXPECT_EQ(QuietPods({.name = "canary$"}), canary + "\n");
  EXPECT_EQ(QuietPods({.pod_namespace = "^(prod|staging)$"}), canary + "\n" + db + "\n");
  EXPECT_EQ(QuietPods({.name = "web", .pod_namespace = "default"}), web + "\n");
  EXPECT_EQ(QuietPods({.name = "(["}), "");  // crictl: a bad pattern matches nothing
  EXPECT_EQ(QuietPods({.state = "NotReady"}), db + "\n");
  EXPECT_EQ(fake_.last_filter.state().state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(QuietPods({.state = "READY"}), canary + "\n" + web + "\n");
  EXPECT_EQ(fake_.last_filter.state().state(), v1::SANDBOX_READY);
  QuietPods({.labels = {"app=db", "tier=back"}});
  EXPECT_EQ(fake_.last_filter.label_selector().at("app"), "db");
  EXPECT_EQ(fake_.last_filter.label_selector().at("tier"), "back");
  QuietPods({});
  EXPECT_FALSE(fake_.last_filter.has_state());
  EXPECT_TRUE(fake_.last_filter.label_selector().empty());

  EXPECT_EQ(RunPods(*client_, {.state = "sleepy"}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: pods: --state should be ready or notready\n");
  EXPECT_EQ(RunPods(*client_, {.labels = {"novalue"}}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: pods: --label \"novalue\" is not KEY=VALUE\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(PodVerbsTest, PodsLatestAndLast) {
  const std::string first = RunPod("first"), second = RunPod("second"), third = RunPod("third");
  EXPECT_EQ(QuietPods({.latest = true}), third + "\n");
  EXPECT_EQ(QuietPods({.last = 2}), third + "\n" + second + "\n");
  EXPECT_EQ(QuietPods({.latest = true, .last = 2}), third + "\n" + second + "\n");  // as crictl
  EXPECT_EQ(QuietPods({.last = 10}), third + "\n" + second + "\n" + first + "\n");
  EXPECT_EQ(QuietPods({.name = "^f", .latest = true}), first + "\n");  // after the patterns
}

TEST_F(PodVerbsTest, PodsAsJsonOrYamlEvenWhenQuiet) {
  const std::string web = RunPod("web", "default", "runc");
  RunPod("db");
  ASSERT_EQ(RunPods(*client_, {.quiet = true, .last = 1, .output = "json"}, Io()), 0);
  const json listed = json::parse(out_.str());
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["metadata"]["name"], "db");
  EXPECT_EQ(listed["items"][0]["state"], "SANDBOX_READY");
  EXPECT_EQ(listed["items"][0]["runtimeHandler"], "");  // every field, as crictl prints

  ASSERT_EQ(RunPods(*client_, {.name = "web", .output = "yaml"}, Io()), 0);
  EXPECT_TRUE(out_.str().starts_with("items:\n- ")) << out_.str();
  EXPECT_NE(out_.str().find("  id: " + web + "\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("  runtimeHandler: runc\n"), std::string::npos) << out_.str();

  ASSERT_EQ(RunPods(*client_, {.name = "nothing", .output = "json"}, Io()), 0);
  EXPECT_EQ(json::parse(out_.str()), json::parse(R"({"items": []})"));
  EXPECT_EQ(RunPods(*client_, {.output = "go-template"}, Io()), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: pods: output format \"go-template\" is not supported by crioctl\n");
}

TEST_F(PodVerbsTest, PodsReportsAFailedCall) {
  fake_.failures["ListPodSandbox"] = grpc::Status(grpc::StatusCode::UNKNOWN, "store is corrupt");
  EXPECT_EQ(RunPods(*client_, {}, Io()), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "crioctl: pods: rpc error: code = Unknown desc = store is corrupt\n");
}

TEST_F(PodVerbsTest, RmpRefusesReadyPodsUnlessForced) {
  const std::string web = RunPod("web");
  EXPECT_EQ(RunRemovePods(*client_, {.ids = {web}}, Io()), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: rmp: pod sandbox \"" + web + "\" is running, please stop it first\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_TRUE(fake_.removed.empty());

  ASSERT_EQ(RunRemovePods(*client_, {.ids = {web}, .force = true}, Io()), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Stopped sandbox " + web + "\nRemoved sandbox " + web + "\n");
  EXPECT_TRUE(fake_.pods.empty());

  const std::string db = RunPod("db");
  ASSERT_EQ(RunStopPods(*client_, {db}, Io()), 0);
  fake_.stopped.clear();
  ASSERT_EQ(RunRemovePods(*client_, {.ids = {db}, .force = true}, Io()), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Removed sandbox " + db + "\n");  // not ready: nothing to stop
  EXPECT_TRUE(fake_.stopped.empty());
}

TEST_F(PodVerbsTest, RmpAllRemovesEveryListedPod) {
  const std::string web = RunPod("web"), db = RunPod("db");
  ASSERT_EQ(RunStopPods(*client_, {web, db}, Io()), 0);
  ASSERT_EQ(RunRemovePods(*client_, {.ids = {"not-listed"}, .all = true}, Io()), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Removed sandbox " + web + "\nRemoved sandbox " + db + "\n");
  EXPECT_EQ(fake_.removed, (std::vector<std::string>{web, db}));  // the IDs given are ignored
  EXPECT_TRUE(fake_.last_filter.id().empty());
  EXPECT_FALSE(fake_.last_filter.has_state());

  ASSERT_EQ(RunRemovePods(*client_, {.all = true}, Io()), 0) << err_.str();  // none left
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "");

  fake_.failures["ListPodSandbox"] = grpc::Status(grpc::StatusCode::UNKNOWN, "store is corrupt");
  EXPECT_EQ(RunRemovePods(*client_, {.all = true}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: rmp: rpc error: code = Unknown desc = store is corrupt\n");
}

TEST_F(PodVerbsTest, RmpNamesThePodAndTheStepThatFailed) {
  const std::string web = RunPod("web"), db = RunPod("db");
  ASSERT_EQ(RunStopPods(*client_, {db}, Io()), 0);
  EXPECT_EQ(RunRemovePods(*client_, {.ids = {"nope", db}}, Io()), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: rmp: getting sandbox status of pod \"nope\": rpc error: code = NotFound "
            "desc = no such pod\n");
  EXPECT_EQ(out_.str(), "Removed sandbox " + db + "\n");  // the others are still removed
  EXPECT_EQ(fake_.removed, std::vector<std::string>{db});

  fake_.failures["StopPodSandbox"] = grpc::Status(grpc::StatusCode::INTERNAL, "netns busy");
  EXPECT_EQ(RunRemovePods(*client_, {.ids = {web}, .force = true}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: rmp: stopping the pod sandbox \"" + web +
                            "\" failed: rpc error: code = Internal desc = netns busy\n");
  EXPECT_EQ(fake_.removed, std::vector<std::string>{db});  // not removed after a failed stop

  fake_.failures.clear();
  ASSERT_EQ(RunStopPods(*client_, {web}, Io()), 0);
  fake_.failures["RemovePodSandbox"] = grpc::Status(grpc::StatusCode::INTERNAL, "umount: busy");
  EXPECT_EQ(RunRemovePods(*client_, {.ids = {web}}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: rmp: removing the pod sandbox \"" + web +
                            "\": rpc error: code = Internal desc = umount: busy\n");
  EXPECT_EQ(out_.str(), "");

  EXPECT_EQ(RunRemovePods(*client_, {}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: rmp: no pod sandbox ID given (POD-ID... or --all)\n");
}

TEST_F(PodVerbsTest, InspectpMergesVerboseInfo) {
  const std::string web = RunPod("web");
  fake_.pods[0].set_created_at(1'700'000'000'500'000'000);
  ASSERT_EQ(RunInspectPods(*client_, {.ids = {web}}, Io()), 0) << err_.str();
  EXPECT_TRUE(fake_.last_status_verbose);
  const json inspected = json::parse(out_.str());
  EXPECT_EQ(inspected["status"]["id"], web);
  EXPECT_EQ(inspected["status"]["state"], "SANDBOX_READY");
  EXPECT_EQ(inspected["status"]["metadata"]["name"], "web");
  EXPECT_EQ(inspected["info"]["runDir"], "/run/x");  // JSON info is parsed
  EXPECT_EQ(inspected["note"], "plain text");        // anything else stays a string
  // crictl shows createdAt as Go's RFC3339Nano in local time, the fraction trimmed.
  const std::string created = inspected["status"]["createdAt"];
  EXPECT_TRUE(std::regex_match(
      created, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.5(Z|[+-]\d{2}:\d{2}))")))
      << created;

  fake_.pods[0].set_created_at(1'700'000'000'000'000'000);
  ASSERT_EQ(RunInspectPods(*client_, {.ids = {web}, .output = "yaml"}, Io()), 0);
  EXPECT_TRUE(out_.str().starts_with("info:\n  runDir: /run/x\nnote: plain text\nstatus:\n"))
      << out_.str();
  const std::regex created_line(
      R"re(\n  createdAt: "?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})"?\n)re");
  EXPECT_TRUE(std::regex_search(out_.str(), created_line)) << out_.str();
}

TEST_F(PodVerbsTest, InspectpQuietShowsTheStatusOnly) {
  const std::string web = RunPod("web");
  ASSERT_EQ(RunInspectPods(*client_, {.ids = {web}, .quiet = true}, Io()), 0) << err_.str();
  EXPECT_FALSE(fake_.last_status_verbose);
  const json inspected = json::parse(out_.str());
  EXPECT_EQ(inspected.size(), 1u) << out_.str();
  EXPECT_EQ(inspected["status"]["id"], web);
}

TEST_F(PodVerbsTest, InspectpNamesThePodThatFailed) {
  const std::string web = RunPod("web");
  EXPECT_EQ(RunInspectPods(*client_, {.ids = {"nope", web}}, Io()), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: inspectp: getting the pod sandbox status for \"nope\": rpc error: "
            "code = NotFound desc = no such pod\n");
  EXPECT_EQ(json::parse(out_.str())["status"]["id"], web);  // the others are still shown

  EXPECT_EQ(RunInspectPods(*client_, {.ids = {web}, .output = "table"}, Io()), 1);
  EXPECT_EQ(err_.str(),
            "crioctl: inspectp: output format \"table\" is not supported here (allowed: json, "
            "yaml)\n");
  EXPECT_EQ(RunInspectPods(*client_, {}, Io()), 1);
  EXPECT_EQ(err_.str(), "crioctl: inspectp: no pod sandbox ID given\n");
}

TEST_F(PodVerbsTest, CommandLineAsAnOperatorTypesIt) {
  const std::string endpoint = "unix://" + socket_;
  auto crioctl = [&](std::vector<const char*> args) {
    args.insert(args.begin(), {"crioctl", "-r", endpoint.c_str()});
    out_.str("");
    err_.str("");
    return RunCommandLine(static_cast<int>(args.size()), args.data(), CommandIo{out_, err_});
  };
  const std::string file = dir_.WriteFile(
      "web.yaml", "metadata:\n  name: web\n  namespace: default\nlabels:\n  app: web\n");
  // runp's -r is the runtime handler; the global -r before the verb is the endpoint.
  ASSERT_EQ(crioctl({"runp", "-r", "runc", file.c_str()}), 0) << err_.str();
  const std::string web = fake_.pods.back().id();
  EXPECT_EQ(out_.str(), web + "\n");
  EXPECT_EQ(fake_.last_run.runtime_handler(), "runc");
  ASSERT_EQ(crioctl({"runp", "--runtime", "kata", file.c_str()}), 0) << err_.str();
  const std::string second = fake_.pods.back().id();
  EXPECT_EQ(fake_.last_run.runtime_handler(), "kata");

  ASSERT_EQ(crioctl({"pods", "--label", "app=web", "--label", "tier=front", "-s", "Ready", "--name",
                     "^w", "--namespace", "def", "--id", "a", "-q", "-n", "1"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(), second + "\n");
  EXPECT_EQ(fake_.last_filter.label_selector().size(), 2u);
  EXPECT_EQ(fake_.last_filter.id(), "a");
  ASSERT_EQ(crioctl({"pods", "-l", "--no-trunc", "-o", "json"}), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str())["items"][0]["id"], second);
  ASSERT_EQ(crioctl({"pods", "--latest", "--last", "2", "-q"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), second + "\n" + web + "\n");

  ASSERT_EQ(crioctl({"inspectp", "-q", "-o", "yaml", web.c_str()}), 0) << err_.str();
  EXPECT_TRUE(out_.str().starts_with("status:\n")) << out_.str();
  ASSERT_EQ(crioctl({"stopp", web.c_str()}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Stopped sandbox " + web + "\n");
  ASSERT_EQ(crioctl({"rmp", "-af"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Removed sandbox " + web + "\nStopped sandbox " + second +
                            "\nRemoved sandbox " + second + "\n");
  EXPECT_EQ(crioctl({"runp"}), 1);  // the config file is required
  EXPECT_NE(err_.str().find("POD_CONFIG"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace crio::crioctl
