// Crash consistency as an operator meets it: crio is SIGKILLed right after each step of
// RunPodSandbox, CreateContainer, StartContainer, StopPodSandbox and RemovePodSandbox
// (CRIO_TEST_KILL_AFTER names the step), started again, and the pod or container is either
// fully there and working or fully gone; once everything is removed, no mount, pin, IP
// lease, CNI cache entry, veth, NAT rule, runtime container, conmon or file is left. Also a
// simulated reboot (a new boot id, the tmpfs contents gone), kubelet retries after a
// client deadline, and creates racing the removal of their pod.
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/random_id.h"
#include "cri_api.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/tar_builder.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;

std::string StepName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

// A container that ends at its stop signal (PID 1 gets no default action for SIGTERM).
const std::vector<std::string> kPolite = {"sh", "-c",
                                          "trap 'exit 0' TERM; while true; do sleep 0.2; done"};

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> entries;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) {
    entries.push_back(entry.path().filename().string());
  }
  return entries;
}

class CrashTest : public ContainerTest {
 protected:
  // Stops crio and starts it again with `variable`=`value` in its environment.
  void RestartWith(const std::string& variable, const std::string& value) {
    crio_->Stop();
    ::setenv(variable.c_str(), value.c_str(), 1);
    const bool started = crio_->Start();
    ::unsetenv(variable.c_str());
    ASSERT_TRUE(started) << crio_->Log();
    Connect();
  }

  // Reaps the crio that killed itself and starts it again, without hooks.
  void Recover() {
    for (int i = 0; i < 200 && ::kill(crio_->pid(), 0) == 0 && !IsZombie(crio_->pid()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(IsZombie(crio_->pid())) << "crio did not stop at the kill point";
    crio_->Stop();
    ASSERT_TRUE(crio_->Start()) << crio_->Log();
    Connect();
  }

  static bool IsZombie(pid_t pid) {
    const std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
    const size_t end = stat.rfind(')');
    return end == std::string::npos || stat.substr(end + 2, 1) == "Z";
  }

  grpc::Status RunPodRequest(const std::string& name, bool share_pid, std::string* id) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = PodConfig(name);
    if (share_pid) {
      request.mutable_config()
          ->mutable_linux()
          ->mutable_security_context()
          ->mutable_namespace_options()
          ->set_pid(v1::POD);
    }
    v1::RunPodSandboxResponse response;
    const grpc::Status status = stub_->RunPodSandbox(Context().get(), request, &response);
    *id = response.pod_sandbox_id();
    return status;
  }

  // A container that works: it runs, answers an exec, and stops.
  void ExpectWorking(const std::string& id) {
    if (Status(id).status().state() == v1::CONTAINER_CREATED) {
      ASSERT_TRUE(Start(id).ok());
    }
    EXPECT_EQ(Status(id).status().state(), v1::CONTAINER_RUNNING);
    v1::ExecSyncRequest exec;
    exec.set_container_id(id);
    exec.add_cmd("echo");
    exec.add_cmd("alive");
    v1::ExecSyncResponse answer;
    ASSERT_TRUE(stub_->ExecSync(Context().get(), exec, &answer).ok());
    EXPECT_EQ(answer.stdout(), "alive\n");
    EXPECT_TRUE(Stop(id, 1).ok());
  }

  void RemoveEverything() {
    for (const v1::PodSandbox& pod : Pods()) {
      const grpc::Status removed = RemovePod(pod.id());
      EXPECT_TRUE(removed.ok()) << removed.error_message();
    }
  }

  // What crio, conmon, runc and the CNI plugins left under this test's dirs and network.
  std::vector<std::string> Leftovers() {
    std::vector<std::string> left;
    const std::string root = crio_->dir().path();
    std::istringstream mounts(ReadText("/proc/self/mounts"));
    for (std::string line; std::getline(mounts, line);) {
      // The storage's home, crio's mount as long as it runs (the library's too).
      if (line.find(" " + root + "/lib/overlay ") != std::string::npos) continue;
      if (line.find(" " + root + "/") != std::string::npos) left.push_back("mount: " + line);
    }
    for (const char* kind : {"netns", "ipcns", "utsns"}) {
      for (const std::string& pin : Entries(crio_->dir().Join(std::string("run/ns/") + kind))) {
        left.push_back(std::string("pin: ") + kind + "/" + pin);
      }
    }
    for (const std::string& lease : Entries(crio_->dir().Join("ipam/" + network_->name()))) {
      if (lease.starts_with(network_->subnet_prefix())) left.push_back("IP lease: " + lease);
    }
    for (const std::string& cached : Entries("/var/lib/cni/results")) {
      if (cached.starts_with(network_->name() + "-")) left.push_back("CNI cache: " + cached);
    }
    if (const int ports = CountBridgePorts(network_->bridge()); ports > 0) {
      left.push_back(std::to_string(ports) + " veths on the bridge");
    }
    if (const int rules = CountNatRules(network_->subnet_prefix()); rules > 0) {
      left.push_back(std::to_string(rules) + " NAT rules");
    }
    for (const char* dir : {"run/storage/pods", "run/storage/overlay-containers",
                            "lib/overlay-containers", "run/exits"}) {
      for (const std::string& entry : Entries(crio_->dir().Join(dir))) {
        // The storage's own files (containers.json and its lock) are not a container's.
        if (IsRandomId(entry)) left.push_back(std::string(dir) + "/" + entry);
      }
    }
    const std::string records = ReadText(crio_->dir().Join("lib/overlay-containers/containers.json"));
    if (records.find("\"id\"") != std::string::npos) left.push_back("container records: " + records);
    for (const std::string& entry : Entries(crio_->dir().Join("run"))) {
      if (IsRandomId(entry)) left.push_back("attach socket dir entry: " + entry);
    }
    const RunResult runc = RunCommand({"runc", "--root", crio_->dir().Join("runc"), "list", "-q"});
    if (!runc.out.empty()) left.push_back("runc containers: " + runc.out);
    for (const std::string& pid : Entries("/proc")) {
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string command = ReadText("/proc/" + pid + "/cmdline");
      if (command.starts_with("/usr/bin/conmon") && command.find(root) != std::string::npos) {
        left.push_back("conmon " + pid);
      }
    }
    return left;
  }
};

// RunPodSandbox, killed after each of its steps.
class PodRunCrashTest : public CrashTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(PodRunCrashTest, PodIsWholeOrGone) {
  const std::string step = GetParam();
  const bool share_pid = step == "pod.infra";
  RestartWith("CRIO_TEST_KILL_AFTER", step);
  std::string id;
  EXPECT_FALSE(RunPodRequest("victim", share_pid, &id).ok());
  Recover();
  std::vector<std::string> victims;
  for (const v1::PodSandbox& pod : Pods()) {
    if (pod.metadata().name() == "victim") victims.push_back(pod.id());
  }
  if (step == "pod.created") {
    ASSERT_EQ(victims.size(), 1u);
    EXPECT_EQ(PodStatus(victims[0]).state(), v1::SANDBOX_READY);
    EXPECT_FALSE(PodStatus(victims[0]).network().ip().empty());
  } else {
    EXPECT_TRUE(victims.empty());
    // The name is free again, and the pod works.
    ASSERT_TRUE(RunPodRequest("victim", share_pid, &id).ok());
    EXPECT_EQ(PodStatus(id).state(), v1::SANDBOX_READY);
  }
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

INSTANTIATE_TEST_SUITE_P(Steps, PodRunCrashTest,
                         ::testing::Values("pod.intent", "pod.files", "pod.namespaces",
                                           "pod.network", "pod.infra", "pod.created"),
                         StepName);

// CreateContainer and StartContainer, killed after each of their steps.
class ContainerCrashTest : public CrashTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(ContainerCrashTest, ContainerIsWholeOrGone) {
  const std::string step = GetParam();
  RestartWith("CRIO_TEST_KILL_AFTER", step);
  grpc::Status status;
  const std::string id = Create(Config("victim", {"sleep", "600"}), &status);
  if (step == "container.started") {
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(Start(id).ok());
  } else {
    EXPECT_FALSE(status.ok());
  }
  Recover();
  const std::vector<v1::Container> containers = Containers();
  if (step == "container.created" || step == "container.started") {
    ASSERT_EQ(containers.size(), 1u);
    ExpectWorking(containers[0].id());
  } else {
    EXPECT_TRUE(containers.empty());
    const std::string again = Create(Config("victim", {"sleep", "600"}));  // the name is free
    ExpectWorking(again);
  }
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

INSTANTIATE_TEST_SUITE_P(Steps, ContainerCrashTest,
                         ::testing::Values("container.intent", "container.rootfs", "container.spec",
                                           "container.runtime", "container.created",
                                           "container.started"),
                         StepName);

// PullImage, killed after each step of storing a layer or an image: the next start leaves
// the shared store consistent (no incomplete layer, no layer dir without its record), skopeo
// reads it, and the image can be pulled again and run.
class PullCrashTest : public CrashTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(PullCrashTest, TheStoreIsConsistentAfterARestart) {
  const std::string extra =
      BuildTar({{.name = "pulled", .content = "whole\n"}}, /*gzip=*/true);
  registry_.Push("test/interrupted", "1", {BusyboxLayer(), extra});
  const std::string name = registry_.host() + "/test/interrupted:1";
  RestartWith("CRIO_TEST_KILL_AFTER", GetParam());
  EXPECT_FALSE(Pull(name).ok());
  Recover();

  const std::string root = crio_->dir().Join("lib");
  const nlohmann::json layers = nlohmann::json::parse(ReadText(root + "/overlay-layers/layers.json"));
  std::set<std::string> recorded;
  for (const nlohmann::json& layer : layers) {
    EXPECT_FALSE(layer.contains("flags")) << layer.dump();
    recorded.insert(layer["id"].get<std::string>());
  }
  for (const std::string& dir : Entries(root + "/overlay")) {
    if (dir == "l" || dir == "crio-staging") continue;
    EXPECT_TRUE(recorded.contains(dir)) << "layer dir without a record: " << dir;
  }
  for (const std::string& link : Entries(root + "/overlay/l")) {
    EXPECT_TRUE(fs::exists(root + "/overlay/l/" + link)) << "dangling short link " << link;
  }
  EXPECT_TRUE(Entries(root + "/overlay/crio-staging").empty());
  const std::string store = "containers-storage:[overlay@" + root + "+" +
                            crio_->dir().Join("run/storage") + "]" + image_;
  const RunResult inspected = RunCommand({"skopeo", "inspect", store}, std::chrono::seconds(60));
  EXPECT_EQ(inspected.exit_code, 0) << inspected.err;

  ASSERT_TRUE(Pull(name).ok()) << crio_->Log();
  v1::ContainerConfig config = Config("puller", {"cat", "/pulled"});
  config.mutable_image()->set_image(name);
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  EXPECT_EQ(WaitForExit(id).exit_code(), 0);
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

INSTANTIATE_TEST_SUITE_P(Steps, PullCrashTest,
                         ::testing::Values("layer.incomplete", "layer.files", "image.big_data"),
                         StepName);

// StopPodSandbox and RemovePodSandbox, killed after each of their steps; the kubelet then
// retries the rpc.
class PodTeardownCrashTest : public CrashTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(PodTeardownCrashTest, TheRetriedRpcFinishesTheJob) {
  const std::string step = GetParam();
  const std::string member = Create(Config("member", kPolite));
  ASSERT_TRUE(Start(member).ok());
  RestartWith("CRIO_TEST_KILL_AFTER", step);
  const bool removing = step.starts_with("pod.remove.");
  EXPECT_FALSE((removing ? RemovePod(pod_) : StopPod(pod_)).ok());
  Recover();
  const grpc::Status retried = removing ? RemovePod(pod_) : StopPod(pod_);
  ASSERT_TRUE(retried.ok()) << retried.error_message() << crio_->Log();
  if (!removing) {
    EXPECT_EQ(PodStatus(pod_).state(), v1::SANDBOX_NOTREADY);
    EXPECT_EQ(Status(member).status().state(), v1::CONTAINER_EXITED);
  } else {
    EXPECT_TRUE(Pods().empty());
  }
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

INSTANTIATE_TEST_SUITE_P(Steps, PodTeardownCrashTest,
                         ::testing::Values("pod.stop.members", "pod.stop.network",
                                           "pod.stop.namespaces", "pod.remove.members",
                                           "pod.remove.stopped", "pod.remove.files"),
                         StepName);

// What a reboot does to a node, short of rebooting it: every process of the pods dies, the
// tmpfs dirs (runroot, namespaces, exits, the version file) are empty, and the boot id
// changes; the CNI plugins' leases and cache, on disk, stay.
TEST_F(CrashTest, AfterARebootPodsAreNotReadyAndTheirIpsReleased) {
  const std::string member = Create(Config("member", kPolite));
  ASSERT_TRUE(Start(member).ok());
  crio_->dir().WriteFile("crio.conf.d/60-wipe.conf", "[crio]\ninternal_wipe = false\n");
  ASSERT_FALSE(Leftovers().empty());  // the pod's lease, pins, veth...
  crio_->Signal(SIGKILL);
  crio_->Stop();
  const std::string runc_root = crio_->dir().Join("runc");
  RunCommand({"runc", "--root", runc_root, "kill", member, "KILL"});
  for (int i = 0; i < 100 && RunCommand({"runc", "--root", runc_root, "delete", member}).exit_code;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const std::string& line : Leftovers()) {
    if (!line.starts_with("mount: ")) continue;
    std::istringstream fields(line.substr(7));
    std::string device, target;
    fields >> device >> target;
    ::umount2(target.c_str(), MNT_DETACH);
  }
  for (const char* dir : {"run/storage", "run/ns", "run/exits", "run/version", "runc"}) {
    fs::remove_all(crio_->dir().Join(dir));
  }
  // Nor do conmon and its cgroup survive a reboot.
  for (const char* root : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"}) {
    const std::string procs = std::string(root) + "/crio/crio-conmon-" + member + "/cgroup.procs";
    if (!fs::exists(procs)) continue;
    std::istringstream monitors(ReadText(procs));
    for (pid_t pid = 0; monitors >> pid;) ::kill(pid, SIGKILL);
    break;
  }
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup")) {
    const std::string cgroup = hierarchy.path().string() + "/crio/crio-conmon-" + member;
    for (int i = 0; i < 100 && ::rmdir(cgroup.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const std::string boot_id =
      crio_->dir().WriteFile("boot_id", "4d1b8bd4-0000-4000-8000-000000000001\n");
  RestartWith("CRIO_TEST_BOOT_ID_FILE", boot_id);

  const v1::PodSandboxStatus status = PodStatus(pod_);
  EXPECT_EQ(status.state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(Status(member).status().state(), v1::CONTAINER_EXITED);
  for (const std::string& line : Leftovers()) {
    EXPECT_FALSE(line.starts_with("IP lease: ") || line.starts_with("CNI cache: ")) << line;
  }
  ASSERT_TRUE(StopPod(pod_).ok());
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

// The kubelet's deadline passes while RunPodSandbox / CreateContainer is still at work; its
// retry gets what the first request made, and nothing is made twice.
TEST_F(CrashTest, AKubeletRetryGetsWhatTheTimedOutRequestMade) {
  RestartWith("CRIO_TEST_DELAY_AFTER", "pod.network:1500");
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("slow");
  run.mutable_config()->mutable_metadata()->set_attempt(1);
  v1::RunPodSandboxResponse first;
  grpc::ClientContext short_context;
  short_context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  EXPECT_EQ(stub_->RunPodSandbox(&short_context, run, &first).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  v1::RunPodSandboxResponse retried;
  const grpc::Status retry = stub_->RunPodSandbox(Context().get(), run, &retried);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  int slow_pods = 0;
  for (const v1::PodSandbox& pod : Pods()) {
    if (pod.metadata().name() == "slow" && pod.metadata().attempt() == 1) {
      ++slow_pods;
      EXPECT_EQ(pod.id(), retried.pod_sandbox_id());
    }
  }
  EXPECT_EQ(slow_pods, 1);
  EXPECT_TRUE(crio_->WaitForLog("kept for a retry")) << crio_->Log();

  RestartWith("CRIO_TEST_DELAY_AFTER", "container.runtime:1500");
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod_);
  *create.mutable_config() = Config("slow", {"sleep", "600"});
  *create.mutable_sandbox_config() = PodConfig("pod", /*privileged=*/true);
  grpc::ClientContext short_create;
  short_create.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  v1::CreateContainerResponse created;
  EXPECT_EQ(stub_->CreateContainer(&short_create, create, &created).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  const grpc::Status create_retry = stub_->CreateContainer(Context().get(), create, &created);
  ASSERT_TRUE(create_retry.ok()) << create_retry.error_message();
  const std::vector<v1::Container> containers = Containers();
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].id(), created.container_id());
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

// Creates racing StopPodSandbox and RemovePodSandbox of their pod: each create either
// finished before the stop (and its container was stopped and removed with the pod) or
// failed cleanly; nothing is orphaned.
TEST_F(CrashTest, CreatesRacingPodRemovalLeaveNoOrphans) {
  constexpr int kPods = 10, kCreatesPerPod = 5;
  std::vector<std::string> pods;
  for (int i = 0; i < kPods; ++i) {
    std::string id;
    ASSERT_TRUE(RunPodRequest("racer-" + std::to_string(i), false, &id).ok());
    pods.push_back(id);
  }
  std::vector<std::future<void>> work;
  for (int i = 0; i < kPods; ++i) {
    for (int c = 0; c < kCreatesPerPod; ++c) {
      work.push_back(std::async(std::launch::async, [&, i, c] {
        v1::CreateContainerRequest request;
        request.set_pod_sandbox_id(pods[i]);
        *request.mutable_config() = Config("c" + std::to_string(c), {"sleep", "600"});
        *request.mutable_sandbox_config() = PodConfig("racer-" + std::to_string(i));
        v1::CreateContainerResponse response;
        const grpc::Status status = stub_->CreateContainer(Context().get(), request, &response);
        if (!status.ok()) {
          EXPECT_TRUE(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                      status.error_code() == grpc::StatusCode::NOT_FOUND)
              << status.error_message();
        }
      }));
    }
    work.push_back(std::async(std::launch::async, [&, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * i));
      EXPECT_TRUE(StopPod(pods[i]).ok());
      EXPECT_TRUE(RemovePod(pods[i]).ok());
    }));
  }
  for (auto& done : work) done.get();
  for (const v1::Container& container : Containers()) {
    EXPECT_EQ(container.pod_sandbox_id(), pod_) << "orphan " << container.id();
  }
  RemoveEverything();
  EXPECT_EQ(Leftovers(), std::vector<std::string>{}) << crio_->Log();
}

}  // namespace
}  // namespace crio::testing
