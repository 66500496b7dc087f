// ContainerTest: the fixture of the container integration tests: a local registry with
// busybox (from Debian's busybox-static) and a pause image, a crio (cgroupfs, its own
// runc root and hooks dir) on a CNI network of its own, the image pulled and one pod
// running; gRPC helpers for the container rpcs. TearDown removes every pod.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cri_api.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "testing/busybox_image.h"
#include "testing/free_port.h"
#include "testing/local_registry.h"
#include "tests/integration/crio_daemon.h"
#include "tests/integration/test_network.h"

namespace crio::testing {

namespace v1 = runtime::v1;

inline std::unique_ptr<grpc::ClientContext> Context(int seconds = 60) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The parent of `pid`, from /proc/PID/stat ("PID (COMM) STATE PPID ..."): for a container's
// init process, its conmon.
inline int ParentOf(int pid) {
  const std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string state;
  int ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
    const std::string layer = BusyboxLayer();
    ASSERT_FALSE(layer.empty()) << "busybox-static is not installed";
    ASSERT_TRUE(registry_.running());
    registry_.Push("test/busybox", "latest", {layer});
    registry_.Push("test/pause", "3.10", {layer});  // crio pulls it when a pod needs it
    image_ = registry_.host() + "/test/busybox:latest";
    crio_ = std::make_unique<CrioDaemon>(
        "[crio.image]\nsignature_policy = \"" +
        dir_.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})") +
        "\"\npause_image = \"" + registry_.host() +
        "/test/pause:3.10\"\n"
        "[crio.runtime]\ncgroup_manager = \"cgroupfs\"\nconmon_cgroup = \"pod\"\n"
        "enable_pod_events = true\n"
        "additional_devices = [\"/dev/null:/dev/extra-null:rw\"]\n"
        "default_env = [\"CRIO_DEFAULT_ENV=from-crio\", \"SHADOWED=by-crio\"]\n"
        "default_mounts_file = \"" +
        DefaultMountsFile() +
        "\"\n"
        // Privileged containers run under this profile: no sethostname.
        "privileged_seccomp_profile = \"" +
        dir_.WriteFile("privileged-seccomp.json",
                       R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[)"
                       R"({"names":["sethostname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]})") +
        "\"\n"
        "hooks_dir = [\"" +
        dir_.Join("hooks.d") +
        "\"]\n"
        "runtimes.runc.runtime_root = \"" +
        dir_.Join("runc") +
        "\"\n"
        "[crio.metrics]\nenable_metrics = true\nmetrics_port = " +
        std::to_string(metrics_port_) + "\n" + StatsConfig() + ExtraConfig());
    ::setenv("CONTAINERS_REGISTRIES_CONF",
             dir_.WriteFile("registries.conf", "[[registry]]\nlocation = \"" + registry_.host() +
                                                   "\"\ninsecure = true\n")
                 .c_str(),
             1);
    network_ = std::make_unique<TestCniNetwork>(crio_->network_dir(), crio_->dir().Join("ipam"));
    ASSERT_TRUE(crio_->Start()) << crio_->Log();
    Connect();
    const grpc::Status status = Pull(image_);
    ASSERT_TRUE(status.ok()) << status.error_message();
    // Some tests run privileged containers in it: as the kubelet does for such pods, the
    // pod is privileged too (crio refuses privileged containers in unprivileged pods).
    pod_ = RunPod("pod", /*share_pid=*/false, /*privileged=*/true);
  }

  // More of crio's configuration (whole TOML tables), for fixtures built on this one.
  virtual std::string ExtraConfig() { return ""; }
  // A mounts.conf giving every container a copy of SECRETS at /run/secrets, as CRI-O's
  // default_mounts.bats sets one up (and an entry whose host path is missing).
  std::string DefaultMountsFile() {
    std::filesystem::create_directories(dir_.Join("secrets"));
    dir_.WriteFile("secrets/test.txt", "I am mounted!\n");
    return dir_.WriteFile("mounts.conf", dir_.Join("secrets") + ":/run/secrets\n" +
                                             dir_.Join("absent") + ":/absent\n");
  }
  // The [crio.stats] table.
  virtual std::string StatsConfig() { return "[crio.stats]\nincluded_pod_metrics = [\"all\"]\n"; }

  // What crio's metrics endpoint serves now.
  std::string ScrapeMetrics() const {
    return RunCommand(
               {"curl", "-sf", "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics"})
        .out;
  }
  // The value of the first sample in `text` whose name and labels start with `sample`
  // ("NAME{LABEL=\"VALUE\"" or "NAME "); -1 when there is none.
  static double MetricValue(const std::string& text, const std::string& sample) {
    for (size_t at = text.find(sample); at != std::string::npos; at = text.find(sample, at + 1)) {
      if (at != 0 && text[at - 1] != '\n') continue;
      const size_t end = text.find('\n', at);
      const std::string line = text.substr(at, end - at);
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return -1;
  }

  void TearDown() override {
    if (!crio_ || crio_->pid() < 0) return;
    v1::ListPodSandboxResponse pods;
    stub_->ListPodSandbox(Context().get(), v1::ListPodSandboxRequest(), &pods);
    for (const v1::PodSandbox& pod : pods.items()) RemovePod(pod.id());
    crio_.reset();
    network_.reset();
  }

  grpc::Status Pull(const std::string& image) {
    v1::PullImageRequest request;
    request.mutable_image()->set_image(image);
    v1::PullImageResponse response;
    return images_->PullImage(Context().get(), request, &response);
  }

  // The image `name` names, as ImageStatus describes it (empty when there is none).
  v1::Image ImageStatus(const std::string& name) {
    v1::ImageStatusRequest request;
    request.mutable_image()->set_image(name);
    v1::ImageStatusResponse response;
    const grpc::Status status = images_->ImageStatus(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.image();
  }

  void Connect() {
    grpc::ChannelArguments arguments;  // as the kubelet, accept big ExecSync answers
    arguments.SetMaxReceiveMessageSize(80 << 20);
    auto channel = grpc::CreateCustomChannel("unix:" + crio_->socket(),
                                             grpc::InsecureChannelCredentials(), arguments);
    stub_ = v1::RuntimeService::NewStub(channel);
    images_ = v1::ImageService::NewStub(channel);
  }

  v1::PodSandboxConfig PodConfig(const std::string& name, bool privileged = false) const {
    v1::PodSandboxConfig config;
    config.mutable_linux()->mutable_security_context()->set_privileged(privileged);
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid(name + "-uid");
    config.set_hostname(name + "-host");
    config.set_log_directory(crio_->dir().Join("logs/" + name));
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
        v1::CONTAINER);
    return config;
  }

  std::string RunPod(const std::string& name, bool share_pid = false, bool privileged = false) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = PodConfig(name, privileged);
    if (share_pid) {
      request.mutable_config()
          ->mutable_linux()
          ->mutable_security_context()
          ->mutable_namespace_options()
          ->set_pid(v1::POD);
    }
    v1::RunPodSandboxResponse response;
    const grpc::Status status = stub_->RunPodSandbox(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.pod_sandbox_id();
  }

  v1::ContainerConfig Config(const std::string& name, const std::vector<std::string>& command) {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image(image_);
    for (const std::string& arg : command) config.add_command(arg);
    config.set_log_path(name + ".log");
    v1::KeyValue* env = config.add_envs();
    env->set_key("GREETING");
    env->set_value("hello");
    return config;
  }

  std::string Create(const v1::ContainerConfig& config, grpc::Status* status = nullptr) {
    v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod_);
    *request.mutable_config() = config;
    *request.mutable_sandbox_config() = PodConfig("pod", /*privileged=*/true);
    v1::CreateContainerResponse response;
    const grpc::Status result = stub_->CreateContainer(Context().get(), request, &response);
    if (status != nullptr) *status = result;
    EXPECT_TRUE(status != nullptr || result.ok()) << result.error_message() << crio_->Log();
    return response.container_id();
  }

  grpc::Status Start(const std::string& id) {
    v1::StartContainerRequest request;
    request.set_container_id(id);
    v1::StartContainerResponse response;
    return stub_->StartContainer(Context().get(), request, &response);
  }

  std::vector<v1::PodSandbox> Pods() {
    v1::ListPodSandboxResponse pods;
    EXPECT_TRUE(stub_->ListPodSandbox(Context().get(), v1::ListPodSandboxRequest(), &pods).ok());
    return {pods.items().begin(), pods.items().end()};
  }

  std::vector<v1::Container> Containers() {
    v1::ListContainersResponse containers;
    EXPECT_TRUE(
        stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &containers).ok());
    return {containers.containers().begin(), containers.containers().end()};
  }

  grpc::Status StopPod(const std::string& id) {
    v1::StopPodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    v1::StopPodSandboxResponse response;
    return stub_->StopPodSandbox(Context().get(), request, &response);
  }

  grpc::Status RemovePod(const std::string& id) {
    v1::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    v1::RemovePodSandboxResponse response;
    return stub_->RemovePodSandbox(Context().get(), request, &response);
  }

  v1::PodSandboxStatus PodStatus(const std::string& id) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    v1::PodSandboxStatusResponse response;
    EXPECT_TRUE(stub_->PodSandboxStatus(Context().get(), request, &response).ok());
    return response.status();
  }

  grpc::Status Stop(const std::string& id, int64_t timeout) {
    v1::StopContainerRequest request;
    request.set_container_id(id);
    request.set_timeout(timeout);
    v1::StopContainerResponse response;
    return stub_->StopContainer(Context().get(), request, &response);
  }

  grpc::Status Remove(const std::string& id) {
    v1::RemoveContainerRequest request;
    request.set_container_id(id);
    v1::RemoveContainerResponse response;
    return stub_->RemoveContainer(Context().get(), request, &response);
  }

  v1::ContainerStatusResponse Status(const std::string& id) {
    v1::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(true);
    v1::ContainerStatusResponse response;
    const grpc::Status status = stub_->ContainerStatus(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Runs `command` in the container; its standard output, or "" when it failed.
  std::string ExecOutput(const std::string& id, const std::vector<std::string>& command) {
    v1::ExecSyncRequest request;
    request.set_container_id(id);
    for (const std::string& arg : command) request.add_cmd(arg);
    request.set_timeout(30);
    v1::ExecSyncResponse response;
    const grpc::Status status = stub_->ExecSync(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.exit_code(), 0) << response.stderr();
    return response.exit_code() == 0 ? response.stdout() : "";
  }

  // Polls until the container has exited (conmon reports it through the exits dir).
  v1::ContainerStatus WaitForExit(const std::string& id) {
    v1::ContainerStatus status;
    for (int i = 0; i < 200; ++i) {
      status = Status(id).status();
      if (status.state() == v1::CONTAINER_EXITED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  }

  TempDir dir_;
  LocalRegistry registry_;
  std::unique_ptr<TestCniNetwork> network_;
  std::unique_ptr<CrioDaemon> crio_;
  std::unique_ptr<v1::RuntimeService::Stub> stub_;
  std::unique_ptr<v1::ImageService::Stub> images_;
  std::string image_;
  std::string pod_;
  const int metrics_port_ = FreePort();
};

}  // namespace crio::testing
