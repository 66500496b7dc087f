// [crio.runtime.workloads] with the real daemon, runc and conmon, as CRI-O's workloads.bats
// checks it: the workload's CPU settings reach the containers (config.json and their
// cgroups) and conmon's own cgroup, the pod's per-container annotations override them, and a
// bad annotation fails the creation without leaving a conmon or a cgroup behind.
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr char kActivation[] = "workload.example.com/management";
constexpr char kPrefix[] = "io.example.workload.management";
constexpr char kDevicesActivation[] = "workload.example.com/devices";

class WorkloadTest : public ContainerTest {
 protected:
  std::string ExtraConfig() override {
    return fmt::format(
        "[crio.runtime.workloads.management]\nactivation_annotation = \"{}\"\n"
        "annotation_prefix = \"{}\"\n"
        "[crio.runtime.workloads.management.resources]\ncpushares = 200\ncpuset = \"0\"\n"
        "[crio.runtime.workloads.devices]\nactivation_annotation = \"{}\"\n"
        "allowed_annotations = [\"io.kubernetes.cri-o.Devices\", "
        "\"io.kubernetes.cri-o.ShmSize\", \"io.kubernetes.cri-o.LinkLogs\"]\n",
        kActivation, kPrefix, kDevicesActivation);
  }

  void TearDown() override {
    ContainerTest::TearDown();
    std::error_code ignored;
    for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ignored)) {
      ::rmdir((hierarchy.path().string() + parent_).c_str());
    }
  }

  // A pod under parent_ with `annotations` (the kubelet gives containers the same).
  void RunAnnotatedPod(const std::map<std::string, std::string>& annotations) {
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = PodConfig("managed");
    run.mutable_config()->mutable_linux()->set_cgroup_parent(parent_);
    for (const auto& [key, value] : annotations) {
      (*run.mutable_config()->mutable_annotations())[key] = value;
    }
    v1::RunPodSandboxResponse ran;
    const grpc::Status status = stub_->RunPodSandbox(Context().get(), run, &ran);
    ASSERT_TRUE(status.ok()) << status.error_message();
    pod_ = ran.pod_sandbox_id();
    pod_config_ = run.config();
  }

  std::string CreateInPod(const std::string& name, grpc::Status* status = nullptr,
                          const std::map<std::string, std::string>& annotations = {}) {
    v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod_);
    *request.mutable_config() = Config(name, {"sleep", "1000"});
    for (const auto& [key, value] : annotations) {
      (*request.mutable_config()->mutable_annotations())[key] = value;
    }
    *request.mutable_sandbox_config() = pod_config_;
    v1::CreateContainerResponse response;
    const grpc::Status result = stub_->CreateContainer(Context().get(), request, &response);
    if (status != nullptr) *status = result;
    return response.container_id();
  }

  // A v1 controller's file for the cgroup at `path`, or v2's.
  static std::string CgroupFile(const std::string& controller, const std::string& path,
                                const std::string& file) {
    const std::string v1 = "/sys/fs/cgroup/" + controller + path + "/" + file;
    return ReadText(fs::exists(v1) ? v1 : "/sys/fs/cgroup" + path + "/" + file);
  }

  const std::string parent_ = "/crio-test-workload-" + std::to_string(::getpid());
  v1::PodSandboxConfig pod_config_;
};

TEST_F(WorkloadTest, DefaultsAndPerContainerOverridesReachContainersAndConmon) {
  RunAnnotatedPod({{kActivation, "true"},
                   {std::string(kPrefix) + "/worker", R"({"cpushares": 512})"},
                   {std::string(kPrefix) + "/POD", R"({"cpushares": 300})"}});
  for (const auto& [name, shares] : {std::pair{"worker", 512}, std::pair{"plain", 200}}) {
    SCOPED_TRACE(name);
    const std::string id = CreateInPod(name);
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(Start(id).ok());
    const json info = json::parse(Status(id).info().at("info"));
    const json& cpu = info["runtimeSpec"]["linux"]["resources"]["cpu"];
    EXPECT_EQ(cpu["shares"], shares) << cpu.dump();
    EXPECT_EQ(cpu["cpus"], "0") << cpu.dump();
    const std::string container = parent_ + "/crio-" + id;
    if (fs::exists("/sys/fs/cgroup/cpu" + container)) {
      EXPECT_EQ(CgroupFile("cpu", container, "cpu.shares"), std::to_string(shares) + "\n");
    }
    EXPECT_EQ(CgroupFile("cpuset", container, "cpuset.cpus"), "0\n");
    // conmon takes the "POD" entry: its shares, the default cpuset.
    const std::string conmon = parent_ + "/crio-conmon-" + id;
    const int conmon_pid = ParentOf(info["pid"]);
    EXPECT_NE(ReadText("/proc/" + std::to_string(conmon_pid) + "/cgroup").find(conmon),
              std::string::npos);
    if (fs::exists("/sys/fs/cgroup/cpu" + conmon)) {
      EXPECT_EQ(CgroupFile("cpu", conmon, "cpu.shares"), "300\n");
    }
    EXPECT_EQ(CgroupFile("cpuset", conmon, "cpuset.cpus"), "0\n");
    EXPECT_TRUE(Stop(id, 0).ok());
  }
}

TEST_F(WorkloadTest, WithoutTheActivationAnnotationNothingApplies) {
  RunAnnotatedPod({{std::string(kPrefix) + "/worker", R"({"cpuset": "0"})"}});
  // Without an infra container the pod has CRI-O's crio-ID cgroup below its parent (cgroups.bats
  // "conmon custom cgroup with no infra container"), until it is removed.
  const std::string pod_cgroup = parent_ + "/crio-" + pod_;
  const bool v1 = fs::exists("/sys/fs/cgroup/memory");
  const std::string memory = (v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup") + pod_cgroup;
  EXPECT_TRUE(fs::is_directory(memory)) << memory;
  const std::string id = CreateInPod("worker");
  ASSERT_FALSE(id.empty());
  const json info = json::parse(Status(id).info().at("info"));
  const json& cpu = info["runtimeSpec"]["linux"]["resources"]["cpu"];
  EXPECT_EQ(cpu["shares"], 0) << "CRI-O writes 0 for a container that asks for none";
  EXPECT_FALSE(cpu.contains("cpus")) << cpu.dump();
  ASSERT_TRUE(RemovePod(pod_).ok());
  EXPECT_FALSE(fs::exists(memory)) << memory;
}

// CRI-O's devices.bats "annotation devices support" with its 1.26 annotation name, allowed
// by a workload (workloads.bats "test workload allowed annotation appended with runtime").
TEST_F(WorkloadTest, AWorkloadAllowsTheDevicesAnnotation) {
  const std::string annotation = "io.kubernetes.cri-o.Devices";
  RunAnnotatedPod({{kDevicesActivation, ""}, {annotation, "/dev/fuse:/dev/qifoo:rwm"}});
  const std::string id = CreateInPod("with-device");
  ASSERT_FALSE(id.empty());
  const json devices =
      json::parse(Status(id).info().at("info"))["runtimeSpec"]["linux"]["devices"];
  EXPECT_NE(devices.dump().find("\"/dev/qifoo\""), std::string::npos) << devices.dump();

  // Without the workload the annotation is not allowed, and nothing is added.
  ASSERT_TRUE(RemovePod(pod_).ok());
  RunAnnotatedPod({{annotation, "/dev/fuse:/dev/qifoo:rwm"}});
  const std::string plain = CreateInPod("without-device");
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(Status(plain).info().at("info").find("/dev/qifoo"), std::string::npos);
}

// workloads.bats "test workload allowed annotation works for pod": the pod's /dev/shm takes
// the io.kubernetes.cri-o.ShmSize annotation's size where a workload allows it, and keeps
// 64 MiB where nothing does.
TEST_F(WorkloadTest, AWorkloadAllowsTheShmSizeAnnotation) {
  const std::string annotation = "io.kubernetes.cri-o.ShmSize";
  const auto shm_kib = [this](const std::string& pod_annotations_case) {
    SCOPED_TRACE(pod_annotations_case);
    const std::string id = CreateInPod("shm");
    EXPECT_TRUE(Start(id).ok());
    const std::string df = ExecOutput(id, {"sh", "-c", "df -k /dev/shm"});
    EXPECT_TRUE(Stop(id, 0).ok());
    EXPECT_TRUE(Remove(id).ok());
    const size_t line = df.find('\n');
    std::istringstream fields(line == std::string::npos ? "" : df.substr(line + 1));
    std::string filesystem;
    uint64_t blocks = 0;
    fields >> filesystem >> blocks;
    return blocks;
  };
  RunAnnotatedPod({{kDevicesActivation, ""}, {annotation, "16Mi"}});
  EXPECT_EQ(shm_kib("allowed"), 16384u);
  ASSERT_TRUE(RemovePod(pod_).ok());
  RunAnnotatedPod({{annotation, "16Mi"}});
  EXPECT_EQ(shm_kib("not allowed"), 65536u);
  ASSERT_TRUE(RemovePod(pod_).ok());

  // A size that is no quantity fails the pod, as CRI-O's.
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("bad-shm");
  (*run.mutable_config()->mutable_annotations())[kDevicesActivation] = "";
  (*run.mutable_config()->mutable_annotations())[annotation] = "lots";
  v1::RunPodSandboxResponse ran;
  const grpc::Status status = stub_->RunPodSandbox(Context().get(), run, &ran);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("failed to parse shm size 'lots'"), std::string::npos)
      << status.error_message();
}

// ctr.bats "ctr log linking": io.kubernetes.cri-o.LinkLogs = VOLUME mounts the kubelet's log
// directory of the pod at logs/ in its emptyDir VOLUME, and links each container's log there
// by the container's ID; a container mounting the volume reads it. The pod's stop unmounts it.
TEST_F(WorkloadTest, LinkLogsShowsThePodsLogsInItsVolume) {
  const std::string uid = "crio-test-linklogs-" + std::to_string(::getpid());
  const std::string pod_logs = "/var/log/pods/default_linked_" + uid;
  const std::string pod_dir = "/var/lib/kubelet/pods/" + uid;
  const std::string volume = pod_dir + "/volumes/kubernetes.io~empty-dir/logging-volume";
  struct Cleanup {  // the kubelet's directories this test plays, however it ends
    std::string volume, pod_logs, pod_dir;
    ~Cleanup() {
      ::umount2((volume + "/logs").c_str(), MNT_DETACH);
      std::error_code ignored;
      fs::remove_all(pod_logs, ignored);
      fs::remove_all(pod_dir, ignored);
    }
  } cleanup{volume, pod_logs, pod_dir};
  fs::create_directories(volume);
  fs::create_directories(pod_logs);

  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("linked");
  run.mutable_config()->mutable_metadata()->set_uid(uid);
  run.mutable_config()->set_log_directory(pod_logs);
  (*run.mutable_config()->mutable_annotations())[kDevicesActivation] = "";
  (*run.mutable_config()->mutable_annotations())["io.kubernetes.cri-o.LinkLogs"] =
      "logging-volume";
  v1::RunPodSandboxResponse ran;
  const grpc::Status status = stub_->RunPodSandbox(Context().get(), run, &ran);
  ASSERT_TRUE(status.ok()) << status.error_message();
  pod_ = ran.pod_sandbox_id();
  pod_config_ = run.config();

  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod_);
  *request.mutable_config() =
      Config("logger", {"sh", "-c",
                        "trap 'exit 0' TERM; echo Hello log linking; while :; do sleep 0.1; done"});
  request.mutable_config()->set_log_path("logger/0.log");
  v1::Mount* mount = request.mutable_config()->add_mounts();
  mount->set_host_path(volume);
  mount->set_container_path("/mnt/logging-volume");
  *request.mutable_sandbox_config() = pod_config_;
  v1::CreateContainerResponse created;
  const grpc::Status create = stub_->CreateContainer(Context().get(), request, &created);
  ASSERT_TRUE(create.ok()) << create.error_message();
  const std::string id = created.container_id();
  EXPECT_TRUE(fs::exists(pod_logs + "/logger/0.log"));
  EXPECT_TRUE(fs::exists(volume + "/logs/logger/0.log")) << crio_->Log();
  EXPECT_EQ(fs::read_symlink(volume + "/logs/" + id), "logger/0.log");
  ASSERT_TRUE(Start(id).ok());
  std::string seen;
  for (int i = 0; i < 50 && seen.find("Hello log linking") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    seen = ExecOutput(id, {"sh", "-c", "cat /mnt/logging-volume/logs/" + id});
  }
  EXPECT_NE(seen.find("Hello log linking"), std::string::npos) << seen;

  ASSERT_TRUE(StopPod(pod_).ok());
  EXPECT_FALSE(fs::exists(volume + "/logs/logger")) << "the stop unmounts the pod's logs";
}

// CRI-O's "test resource cleanup on bad annotation contents".
TEST_F(WorkloadTest, ABadAnnotationFailsTheCreationAndLeavesNothing) {
  RunAnnotatedPod({{kActivation, "true"},
                   {std::string(kPrefix) + "/POD", R"(invalid & unparsable {"cpuset": "0"})"}});
  for (int i = 0; i < 3; ++i) {
    grpc::Status status;
    CreateInPod("broken-" + std::to_string(i), &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_NE(status.error_message().find(std::string(kPrefix) + "/POD"), std::string::npos)
        << status.error_message();
  }
  v1::ListContainersResponse listed;
  ASSERT_TRUE(stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &listed).ok());
  for (const v1::Container& container : listed.containers()) {
    EXPECT_NE(container.pod_sandbox_id(), pod_) << container.id();
  }
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup/memory" + parent_, ignored)) {
    EXPECT_EQ(entry.path().filename().string().find("crio-conmon-"), std::string::npos)
        << entry.path();
  }
  EXPECT_EQ(RunCommand({"pgrep", "-f", "conmon.*broken-"}).out, "");

  // As in CRI-O's test, the container's own annotations also choose conmon's settings.
  ASSERT_TRUE(RemovePod(pod_).ok());
  RunAnnotatedPod({});
  grpc::Status status;
  CreateInPod("own", &status,
              {{kActivation, "true"}, {std::string(kPrefix) + "/POD", "invalid & unparsable"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
}

}  // namespace
}  // namespace crio::testing
