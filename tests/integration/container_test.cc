// Containers as an operator meets them: pull busybox (built from Debian's busybox-static)
// from a local registry, run a pod, create and start containers in it with real conmon and
// runc, read their logs and exit codes, stop them (with escalation), survive a crio restart
// and clean up.
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "cri_api.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST_F(ContainerTest, RunsACommandAndRecordsItsOutputAndExitCode) {
  const std::string id = Create(
      Config("greeter",
             {"sh", "-c", "echo $GREETING from $(hostname) as $(id -u); echo oops >&2; exit 3"}));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Status(id).status().state(), v1::CONTAINER_CREATED);
  ASSERT_TRUE(Start(id).ok());
  const v1::ContainerStatus status = WaitForExit(id);
  ASSERT_EQ(status.state(), v1::CONTAINER_EXITED) << crio_->Log();
  EXPECT_EQ(status.exit_code(), 3);
  EXPECT_EQ(status.reason(), "Error");
  EXPECT_GT(status.started_at(), 0);
  EXPECT_GE(status.finished_at(), status.started_at());
  EXPECT_EQ(status.image().image(), image_);
  EXPECT_EQ(status.log_path(), crio_->dir().Join("logs/pod/greeter.log"));
  const std::string log = ReadText(status.log_path());
  EXPECT_NE(log.find(" stdout F hello from pod-host as 0\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F oops\n"), std::string::npos) << log;
  ASSERT_TRUE(Remove(id).ok());
}

// A stand-in for journald: a datagram socket at its path, for a host that runs none (the
// directories it had to make go with it).
class FakeJournal {
 public:
  static constexpr char kSocket[] = "/run/systemd/journal/socket";

  FakeJournal() {
    if (std::filesystem::exists("/run/systemd/journal")) return;  // a real one is there
    made_systemd_dir_ = !std::filesystem::exists("/run/systemd");
    std::filesystem::create_directories("/run/systemd/journal");
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, kSocket);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FakeJournal() {
    if (fd_ < 0) return;
    ::close(fd_);
    std::filesystem::remove_all("/run/systemd/journal");
    if (made_systemd_dir_) std::filesystem::remove("/run/systemd");
  }
  bool ok() const { return fd_ >= 0; }

  // The datagrams that arrive until one contains `text` (or 10 s pass), joined.
  std::string ReceiveUntil(const std::string& text) const {
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (received.find(text) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&readable, 1, 200) <= 0) continue;
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) received.append(buffer, static_cast<size_t>(n)).append("\n--\n");
    }
    return received;
  }

 private:
  int fd_ = -1;
  bool made_systemd_dir_ = false;
};

TEST_F(ContainerTest, LogToJournaldSendsOutputToTheJournalToo) {
  FakeJournal journal;
  if (!journal.ok()) GTEST_SKIP() << "this host runs journald; its journal is not read here";
  ASSERT_EQ(crio_->Stop(), 0);
  ASSERT_TRUE(crio_->Start({"--log-journald"})) << crio_->Log();
  Connect();
  const std::string id = Create(Config("journaled", {"sh", "-c", "echo journal-line-42"}));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Start(id).ok());
  // journald's native protocol: a value with a newline is sent as NAME\n<length>value.
  const std::string received = journal.ReceiveUntil("journal-line-42");
  EXPECT_NE(received.find("journal-line-42"), std::string::npos) << received << crio_->Log();
  EXPECT_NE(received.find("MESSAGE"), std::string::npos) << received;
  EXPECT_NE(received.find(id), std::string::npos) << received;
  // The kubelet's log file still has it.
  const v1::ContainerStatus status = WaitForExit(id);
  EXPECT_NE(ReadText(status.log_path()).find(" stdout F journal-line-42\n"), std::string::npos);
  ASSERT_TRUE(Remove(id).ok());
}

TEST_F(ContainerTest, StopEscalatesToSigkillAndRemoveCleansUp) {
  // PID 1 of a PID namespace gets no default action for SIGTERM: it must handle it.
  const std::string polite =
      Create(Config("polite", {"sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"}));
  const std::string stubborn =
      Create(Config("stubborn", {"sh", "-c", "trap '' TERM; while true; do sleep 1; done"}));
  ASSERT_TRUE(Start(polite).ok());
  ASSERT_TRUE(Start(stubborn).ok());
  EXPECT_EQ(Status(polite).status().state(), v1::CONTAINER_RUNNING);
  const json info = json::parse(Status(stubborn).info().at("info"));
  const std::string rootfs = info["rootfs"];
  EXPECT_EQ(info["runtimeSpec"]["process"]["args"][0], "sh");

  ASSERT_TRUE(Stop(polite, 10).ok());
  EXPECT_EQ(Status(polite).status().exit_code(), 42);

  v1::ContainerConfig usr1 =  // the CRI stop signal replaces the image's
      Config("usr1", {"sh", "-c", "trap 'exit 7' USR1; while true; do sleep 0.1; done"});
  v1::Signal signal;  // by name: <signal.h> turns SIGUSR1 into a number
  ASSERT_TRUE(v1::Signal_Parse("SIGUSR1", &signal));
  usr1.set_stop_signal(signal);
  const std::string usr1_id = Create(usr1);
  ASSERT_TRUE(Start(usr1_id).ok());
  EXPECT_EQ(Status(usr1_id).status().stop_signal(), signal);
  ASSERT_TRUE(Stop(usr1_id, 10).ok());
  EXPECT_EQ(Status(usr1_id).status().exit_code(), 7);
  ASSERT_TRUE(Remove(usr1_id).ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Stop(stubborn, 1).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(Status(stubborn).status().exit_code(), 128 + SIGKILL);
  EXPECT_TRUE(Stop(stubborn, 1).ok());  // already stopped

  v1::RemoveImageRequest rmi;  // the image stays while containers use it
  rmi.mutable_image()->set_image(image_);
  v1::RemoveImageResponse rmi_response;
  EXPECT_EQ(images_->RemoveImage(Context().get(), rmi, &rmi_response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  ASSERT_TRUE(Remove(stubborn).ok());
  ASSERT_TRUE(Remove(polite).ok());
  EXPECT_TRUE(images_->RemoveImage(Context().get(), rmi, &rmi_response).ok());
  EXPECT_TRUE(Remove(polite).ok());
  EXPECT_FALSE(fs::exists(rootfs));
  EXPECT_EQ(ReadText("/proc/self/mounts").find(rootfs), std::string::npos);
  v1::ListContainersResponse listed;
  ASSERT_TRUE(stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &listed).ok());
  EXPECT_EQ(listed.containers_size(), 0);
}

TEST_F(ContainerTest, UserAndGroupsComeFromTheImage) {
  v1::ContainerConfig config = Config("user", {"sh", "-c", "id; echo home=$HOME"});
  config.mutable_linux()->mutable_security_context()->set_run_as_username("www-data");
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  const v1::ContainerStatus status = WaitForExit(id);
  EXPECT_EQ(status.exit_code(), 0);
  const std::string log = ReadText(status.log_path());
  EXPECT_NE(log.find("uid=33(www-data) gid=33(www-data) groups=33(www-data),50(staff)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("home=/var/www"), std::string::npos) << log;
  EXPECT_EQ(status.user().linux().uid(), 33);
  EXPECT_EQ(status.user().linux().gid(), 33);
  EXPECT_EQ(status.user().linux().supplemental_groups_size(), 2);
  EXPECT_EQ(v1::Signal_Name(status.stop_signal()), "SIGTERM");
}

TEST_F(ContainerTest, BadRequestsGetClearErrors) {
  grpc::Status status;
  v1::ContainerConfig config = Config("missing", {"true"});
  config.mutable_image()->set_image("nosuch/image:1");
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("nosuch/image:1"), std::string::npos);

  config = Config("caps", {"true"});
  config.mutable_linux()->mutable_security_context()->mutable_capabilities()->add_add_capabilities(
      "CAP_BOGUS");
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  config = Config("escape", {"true"});
  config.set_log_path("../../etc/evil.log");
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  config = Config("tiny", {"true"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(1 << 20);
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("container_min_memory"), std::string::npos);

  config = Config("swapless", {"true"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(64 << 20);
  config.mutable_linux()->mutable_resources()->set_memory_swap_limit_in_bytes(32 << 20);
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("swap"), std::string::npos) << status.error_message();

  config = Config("apparmor", {"true"});
  config.mutable_linux()->mutable_security_context()->set_apparmor_profile("docker/default");
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("apparmor"), std::string::npos) << status.error_message();

  config = Config("hugepages", {"true"});
  v1::HugepageLimit* hugepages = config.mutable_linux()->mutable_resources()->add_hugepage_limits();
  hugepages->set_page_size("2 megs");
  hugepages->set_limit(2 << 20);
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("2 megs"), std::string::npos) << status.error_message();

  const std::string id = Create(Config("twice", {"true"}));
  Create(Config("twice", {"true"}), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find(id), std::string::npos);

  v1::ListContainersResponse listed;
  ASSERT_TRUE(stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &listed).ok());
  EXPECT_EQ(listed.containers_size(), 1);
}

TEST_F(ContainerTest, ContainersOutliveCrioAndExitsWhileAwayAreSeen) {
  const std::string lasting =
      Create(Config("lasting", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  const std::string brief = Create(Config("brief", {"sh", "-c", "sleep 2; exit 7"}));
  ASSERT_TRUE(Start(lasting).ok());
  ASSERT_TRUE(Start(brief).ok());
  crio_->Signal(SIGKILL);
  crio_->Stop();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // brief exits meanwhile
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  EXPECT_EQ(Status(lasting).status().state(), v1::CONTAINER_RUNNING);
  const v1::ContainerStatus brief_status = WaitForExit(brief);
  EXPECT_EQ(brief_status.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(brief_status.exit_code(), 7);
  ASSERT_TRUE(Stop(lasting, 5).ok());
  EXPECT_EQ(Status(lasting).status().state(), v1::CONTAINER_EXITED);
}

TEST_F(ContainerTest, PodSharingOnePidNamespaceRunsAnInfraContainer) {
  pod_ = RunPod("shared", /*share_pid=*/true);
  ASSERT_FALSE(pod_.empty());
  v1::ContainerConfig sleeper = Config("sleeper", {"sleep", "1000"});
  sleeper.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
      v1::POD);
  v1::ContainerConfig looker = Config("looker", {"sh", "-c", "sleep 0.5; ps -o pid,args"});
  looker.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(v1::POD);
  const std::string sleeper_id = Create(sleeper);
  const std::string looker_id = Create(looker);
  ASSERT_TRUE(Start(sleeper_id).ok());
  ASSERT_TRUE(Start(looker_id).ok());
  const v1::ContainerStatus looked = WaitForExit(looker_id);
  const std::string log = ReadText(looked.log_path());
  EXPECT_NE(log.find("    1 {pause} /bin/sh /pause"), std::string::npos) << log;
  EXPECT_NE(log.find("sleep 1000"), std::string::npos) << log;
  v1::ListContainersResponse listed;  // the infra container is not one of the pod's
  ASSERT_TRUE(stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &listed).ok());
  EXPECT_EQ(listed.containers_size(), 2);
  // As in CRI-O, the runtime knows the infra container by the pod's ID, and so does the
  // status API.
  const RunResult state = RunCommand({"runc", "--root", dir_.Join("runc"), "state", pod_});
  EXPECT_EQ(state.exit_code, 0) << state.err;
  EXPECT_EQ(json::parse(state.out)["id"], pod_);
  const RunResult described = RunCommand(
      {"curl", "-s", "--unix-socket", crio_->socket(), "http://localhost/containers/" + pod_});
  EXPECT_EQ(json::parse(described.out)["sandbox"], pod_) << described.out;
  v1::PodSandboxStatusRequest pod_status;  // and the pod reports the pause image it runs
  pod_status.set_pod_sandbox_id(pod_);
  pod_status.set_verbose(true);
  v1::PodSandboxStatusResponse pod_status_response;
  ASSERT_TRUE(stub_->PodSandboxStatus(Context().get(), pod_status, &pod_status_response).ok());
  EXPECT_EQ(json::parse(pod_status_response.info().at("info"))["image"],
            registry_.host() + "/test/pause:3.10");

  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(pod_);
  v1::StopPodSandboxResponse stopped;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(stub_->StopPodSandbox(Context().get(), stop, &stopped).ok());
  EXPECT_EQ(Status(sleeper_id).status().state(), v1::CONTAINER_EXITED);
  // Killing the PID namespace's init (pause) takes the sleeper down with it at once.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(9));
}

// default_env reaches every container, below the container's own variables.
TEST_F(ContainerTest, DefaultEnvIsUnderTheContainersOwn) {
  v1::ContainerConfig config =
      Config("env", {"sh", "-c", "echo \"$CRIO_DEFAULT_ENV $SHADOWED\""});
  v1::KeyValue* shadowed = config.add_envs();
  shadowed->set_key("SHADOWED");
  shadowed->set_value("by-request");
  const std::string id = Create(config);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Start(id).ok());
  const v1::ContainerStatus status = WaitForExit(id);
  EXPECT_NE(ReadText(status.log_path()).find("from-crio by-request"), std::string::npos)
      << ReadText(status.log_path());
}

// default_mounts_file: each container gets its own copy of the host's files, mounted in
// order with the container's own mounts (/run/secrets before /run/secrets/clash, as in CRI-O's
// default_mounts.bats); what a container writes there stays its own.
TEST_F(ContainerTest, DefaultMountsAreCopiesOrderedWithTheContainersMounts) {
  const std::string clash = dir_.Join("clash");
  fs::create_directories(clash);
  std::ofstream(clash + "/clashing.txt") << "clashing...\n";
  v1::ContainerConfig config = Config(
      "secrets", {"sh", "-c",
                  "cat /run/secrets/test.txt /run/secrets/clash/clashing.txt && "
                  "echo changed > /run/secrets/test.txt && test ! -e /absent && echo done"});
  v1::Mount* mount = config.add_mounts();
  mount->set_container_path("/run/secrets/clash");
  mount->set_host_path(clash);
  const std::string id = Create(config);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Start(id).ok());
  const std::string log = ReadText(WaitForExit(id).log_path());
  EXPECT_NE(log.find("I am mounted!"), std::string::npos) << log;
  EXPECT_NE(log.find("clashing..."), std::string::npos) << log;
  EXPECT_NE(log.find("done"), std::string::npos) << log;
  EXPECT_EQ(ReadText(dir_.Join("secrets/test.txt")), "I am mounted!\n");  // the host's stays
}

TEST_F(ContainerTest, DevicesComeFromConfigAndThePodsAnnotation) {
  // additional_devices reach every container; devices.crio.io only from allowed_devices.
  const auto pod_with_devices = [&](const std::string& name, const std::string& devices) {
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = PodConfig(name);
    (*run.mutable_config()->mutable_annotations())["devices.crio.io"] = devices;
    v1::RunPodSandboxResponse ran;
    EXPECT_TRUE(stub_->RunPodSandbox(Context().get(), run, &ran).ok());
    return ran.pod_sandbox_id();
  };
  pod_ = pod_with_devices("fused", "/dev/fuse:/dev/fuse:rw");
  const std::string id = Create(Config(
      "devices", {"sh", "-c", "test -c /dev/extra-null && test -c /dev/fuse && echo devices-ok"}));
  ASSERT_TRUE(Start(id).ok());
  const v1::ContainerStatus status = WaitForExit(id);
  EXPECT_NE(ReadText(status.log_path()).find("devices-ok"), std::string::npos)
      << ReadText(status.log_path());

  pod_ = pod_with_devices("greedy", "/dev/kmsg");
  grpc::Status refused;
  Create(Config("greedy", {"true"}), &refused);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("allowed_devices"), std::string::npos)
      << refused.error_message();
}

TEST_F(ContainerTest, SighupChangesThePauseImageForNewPods) {
  const std::string layer = BusyboxLayer();
  registry_.Push("test/pause-next", "2", {layer});
  const std::string next = registry_.host() + "/test/pause-next:2";
  crio_->dir().WriteFile("crio.conf.d/60-pause.conf",
                         "[crio.image]\npause_image = \"" + next + "\"\n");
  crio_->Signal(SIGHUP);
  ASSERT_TRUE(crio_->WaitForLog("set config pause_image")) << crio_->Log();
  const std::string pod = RunPod("after-reload", /*share_pid=*/true);
  ASSERT_FALSE(pod.empty());
  EXPECT_TRUE(crio_->WaitForLog("Pulling the pause image " + next)) << crio_->Log();
}

TEST_F(ContainerTest, APodWhoseInfraProcessDiesIsNotReady) {
  pod_ = RunPod("fragile", /*share_pid=*/true);
  ASSERT_FALSE(pod_.empty());
  const auto pod_status = [&] {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(pod_);
    request.set_verbose(true);
    v1::PodSandboxStatusResponse response;
    EXPECT_TRUE(stub_->PodSandboxStatus(Context().get(), request, &response).ok());
    return response;
  };
  const v1::PodSandboxStatusResponse ready = pod_status();
  ASSERT_EQ(ready.status().state(), v1::SANDBOX_READY);
  const int infra_pid = json::parse(ready.info().at("info"))["infraContainer"]["pid"];
  ASSERT_GT(infra_pid, 0);
  ASSERT_EQ(::kill(infra_pid, SIGKILL), 0);
  v1::PodSandboxState state = v1::SANDBOX_READY;
  for (int i = 0; i < 100 && state == v1::SANDBOX_READY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = pod_status().status().state();
  }
  EXPECT_EQ(state, v1::SANDBOX_NOTREADY);
  v1::ListPodSandboxRequest list;  // the kubelet's view: not among the ready pods
  list.mutable_filter()->mutable_state()->set_state(v1::SANDBOX_READY);
  v1::ListPodSandboxResponse listed;
  ASSERT_TRUE(stub_->ListPodSandbox(Context().get(), list, &listed).ok());
  for (const v1::PodSandbox& pod : listed.items()) EXPECT_NE(pod.id(), pod_);
  grpc::Status refused;
  Create(Config("late", {"true"}), &refused);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // The kubelet then stops and removes it: everything goes.
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(pod_);
  v1::StopPodSandboxResponse stopped;
  EXPECT_TRUE(stub_->StopPodSandbox(Context().get(), stop, &stopped).ok());
}

// conmon_cgroup = "pod" (the fixture's, as CRI-O requires with cgroupfs): each container's
// conmon runs in POD_PARENT/crio-conmon-ID, in every hierarchy, and that cgroup goes with
// the container.
// The parent is relative, as in CRI-O's test data: it still names a cgroup below the root,
// not one below conmon's (runc resolves relative paths from its own cgroup).
TEST_F(ContainerTest, ConmonRunsInACgroupOfItsOwnUnderThePodsParent) {
  const std::string parent = "/crio-test-conmon-" + std::to_string(::getpid());
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("monitored");
  run.mutable_config()->mutable_linux()->set_cgroup_parent(parent.substr(1));
  v1::RunPodSandboxResponse ran;
  ASSERT_TRUE(stub_->RunPodSandbox(Context().get(), run, &ran).ok());
  pod_ = ran.pod_sandbox_id();
  const std::string id = Create(Config("monitored", {"sleep", "1000"}));
  ASSERT_TRUE(Start(id).ok());
  const int pid = json::parse(Status(id).info().at("info"))["pid"];
  const int conmon = ParentOf(pid);
  ASSERT_NE(ReadText("/proc/" + std::to_string(conmon) + "/cmdline").find("conmon"),
            std::string::npos);
  const std::string cgroup = parent + "/crio-conmon-" + id;
  const std::string cgroups = ReadText("/proc/" + std::to_string(conmon) + "/cgroup");
  std::istringstream lines(cgroups);
  int placed = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.ends_with(":" + cgroup)) << "every hierarchy: " << cgroups;
    ++placed;
  }
  EXPECT_GT(placed, 0);
  const std::string container_cgroups = ReadText("/proc/" + std::to_string(pid) + "/cgroup");
  EXPECT_NE(container_cgroups.find(":" + parent + "/crio-" + id + "\n"), std::string::npos)
      << container_cgroups;
  ASSERT_TRUE(Stop(id, 0).ok());
  ASSERT_TRUE(Remove(id).ok());
  std::error_code ignored;
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ignored)) {
    EXPECT_FALSE(fs::exists(hierarchy.path().string() + cgroup)) << hierarchy.path();
  }
  ASSERT_TRUE(RemovePod(pod_).ok());
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ignored)) {
    ::rmdir((hierarchy.path().string() + parent).c_str());
  }
  ::rmdir(("/sys/fs/cgroup" + parent).c_str());
}

TEST_F(ContainerTest, ResourcesLandInTheContainersCgroupUnderThePodsParent) {
  const std::string parent = "/crio-test-" + std::to_string(::getpid());
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("limited");
  run.mutable_config()->mutable_linux()->set_cgroup_parent(parent);
  v1::RunPodSandboxResponse ran;
  ASSERT_TRUE(stub_->RunPodSandbox(Context().get(), run, &ran).ok());
  pod_ = ran.pod_sandbox_id();
  v1::ContainerConfig config = Config("limited", {"sleep", "1000"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(64 << 20);
  config.mutable_linux()->mutable_resources()->set_cpu_shares(512);
  v1::HugepageLimit* hugepages = config.mutable_linux()->mutable_resources()->add_hugepage_limits();
  hugepages->set_page_size("2MB");
  hugepages->set_limit(4 << 20);
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  // Hugepage limits reach the runtime where the hugetlb controller exists (CRI-O's rule);
  // a memory limit without a swap limit allows no swap where swap is accounted.
  const json spec = json::parse(Status(id).info().at("info"))["runtimeSpec"];
  const json& resources = spec["linux"]["resources"];
  const bool v2_hugetlb =
      fs::exists("/sys/fs/cgroup/cgroup.controllers") &&
      ReadText("/sys/fs/cgroup/cgroup.controllers").find("hugetlb") != std::string::npos;
  if (fs::exists("/sys/fs/cgroup/hugetlb") || v2_hugetlb) {
    ASSERT_TRUE(resources.contains("hugepageLimits")) << resources.dump();
    EXPECT_EQ(resources["hugepageLimits"][0]["pageSize"], "2MB");
    EXPECT_EQ(resources["hugepageLimits"][0]["limit"], 4 << 20);
  } else {
    EXPECT_FALSE(resources.contains("hugepageLimits")) << resources.dump();
  }
  if (fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
    EXPECT_EQ(resources["memory"]["swap"], 64 << 20) << resources.dump();
  }
  const int pid = json::parse(Status(id).info().at("info"))["pid"];
  const std::string cgroups = ReadText("/proc/" + std::to_string(pid) + "/cgroup");
  const bool v2 = fs::exists("/sys/fs/cgroup/cgroup.controllers");
  const std::string expected = parent + "/crio-" + id;
  EXPECT_NE(cgroups.find(expected), std::string::npos) << cgroups;
  const std::string limit =
      v2 ? ReadText("/sys/fs/cgroup" + expected + "/memory.max")
         : ReadText("/sys/fs/cgroup/memory" + expected + "/memory.limit_in_bytes");
  EXPECT_EQ(limit, std::to_string(64 << 20) + "\n");
  v1::UpdateContainerResourcesRequest update;  // and they can change while it runs
  update.set_container_id(id);
  update.mutable_linux()->set_memory_limit_in_bytes(128 << 20);
  v1::UpdateContainerResourcesResponse updated;
  const grpc::Status update_status =
      stub_->UpdateContainerResources(Context().get(), update, &updated);
  ASSERT_TRUE(update_status.ok()) << update_status.error_message();
  const std::string new_limit =
      v2 ? ReadText("/sys/fs/cgroup" + expected + "/memory.max")
         : ReadText("/sys/fs/cgroup/memory" + expected + "/memory.limit_in_bytes");
  EXPECT_EQ(new_limit, std::to_string(128 << 20) + "\n");
  const v1::ContainerStatus updated_status = Status(id).status();  // and CRI reports it
  EXPECT_EQ(updated_status.resources().linux().memory_limit_in_bytes(), 128 << 20);
  ASSERT_TRUE(Stop(id, 0).ok());
  ASSERT_TRUE(Remove(id).ok());
  ASSERT_TRUE(RemovePod(pod_).ok());  // and with it the pod's own cgroup below the parent
  // The parent is the kubelet's to manage; the test made it, the test removes it.
  std::error_code ignored;
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ignored)) {
    ::rmdir((hierarchy.path().string() + parent).c_str());
  }
  ::rmdir(("/sys/fs/cgroup" + parent).c_str());
}

// CRI-O's ctr.bats: exec into a container that is created but not started ("ctr hostname
// env"), /run/.containerenv ("ctr has containerenv"), and the pod's annotations with CRI-O's
// own in the container's config.json ("annotations passed through").
TEST_F(ContainerTest, ACreatedContainerTakesExecAndCarriesCrioAnnotations) {
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("annotated");
  (*run.mutable_config()->mutable_annotations())["com.example.test"] = "sandbox annotation";
  v1::RunPodSandboxResponse ran;
  ASSERT_TRUE(stub_->RunPodSandbox(Context().get(), run, &ran).ok());
  pod_ = ran.pod_sandbox_id();
  v1::ContainerConfig config = Config("annotated", {"sleep", "1000"});
  (*config.mutable_annotations())["com.example.own"] = "container annotation";
  (*config.mutable_labels())["tier"] = "backend";
  const std::string id = Create(config);
  ASSERT_FALSE(id.empty());

  v1::ExecSyncRequest exec;
  exec.set_container_id(id);
  for (const char* arg : {"sh", "-c", "env; test -f /run/.containerenv && echo marked"}) {
    exec.add_cmd(arg);
  }
  v1::ExecSyncResponse executed;
  const grpc::Status status = stub_->ExecSync(Context().get(), exec, &executed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(executed.exit_code(), 0) << executed.stderr();
  EXPECT_NE(executed.stdout().find("HOSTNAME="), std::string::npos) << executed.stdout();
  EXPECT_NE(executed.stdout().find("marked\n"), std::string::npos) << executed.stdout();

  const json info = json::parse(Status(id).info().at("info"));
  EXPECT_EQ(info["privileged"], false);
  const json& annotations = info["runtimeSpec"]["annotations"];
  EXPECT_EQ(annotations["com.example.test"], "sandbox annotation");
  EXPECT_EQ(annotations["com.example.own"], "container annotation");
  EXPECT_EQ(annotations["tier"], "backend");
  EXPECT_EQ(annotations["io.kubernetes.cri-o.ContainerType"], "container");
  EXPECT_EQ(annotations["io.kubernetes.cri-o.SandboxID"], pod_);
  EXPECT_EQ(annotations["io.kubernetes.cri-o.Metadata"], R"({"name":"annotated"})");
  EXPECT_EQ(annotations["io.kubernetes.cri-o.Labels"], R"({"tier":"backend"})");
  EXPECT_EQ(annotations["io.kubernetes.cri-o.Annotations"],
            R"({"com.example.own":"container annotation"})");
  EXPECT_EQ(annotations["io.kubernetes.cri-o.LogPath"], Status(id).status().log_path());
  EXPECT_TRUE(annotations["io.kubernetes.cri-o.Name"].get<std::string>().starts_with(
      "k8s_annotated_annotated_"));
  EXPECT_TRUE(annotations["io.kubernetes.cri-o.Created"].get<std::string>().ends_with("Z"));
  EXPECT_TRUE(annotations.contains("io.kubernetes.cri-o.IP.0")) << annotations.dump();
}

// CRI-O's ctr.bats "ctr execsync should succeed if container has a terminal".
// CRI-O's ctr.bats "privileged ctr add duplicate device as host".
TEST_F(ContainerTest, APrivilegedContainersDeviceMayNotHideAHostDevice) {
  v1::ContainerConfig config = Config("duplicate", {"true"});
  config.mutable_linux()->mutable_security_context()->set_privileged(true);
  v1::Device* device = config.add_devices();
  device->set_host_path("/dev/null");
  device->set_container_path("/dev/random");
  device->set_permissions("rwm");
  grpc::Status status;
  Create(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("already exists on the host"), std::string::npos)
      << status.error_message();
  device->set_container_path("/dev/crio-test-unused");  // a path the host lacks is fine
  const std::string id = Create(config, &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// device_ownership_from_security_context: a device the container asks for belongs to the
// user and group it runs as; without the option, to the host device's (root).
TEST_F(ContainerTest, DeviceOwnershipFromSecurityContext) {
  v1::ContainerConfig config = Config("owner", {"sh", "-c", "stat -c %u:%g /dev/owned-null"});
  config.mutable_linux()->mutable_security_context()->mutable_run_as_user()->set_value(1234);
  config.mutable_linux()->mutable_security_context()->mutable_run_as_group()->set_value(5678);
  v1::Device* device = config.add_devices();
  device->set_host_path("/dev/null");
  device->set_container_path("/dev/owned-null");
  device->set_permissions("rw");
  const auto owner = [&] {
    const std::string id = Create(config);
    EXPECT_TRUE(Start(id).ok());
    const std::string log = ReadText(WaitForExit(id).log_path());
    EXPECT_TRUE(Remove(id).ok());
    return log;
  };
  EXPECT_NE(owner().find("stdout F 0:0"), std::string::npos);
  crio_->dir().WriteFile("crio.conf.d/60-devices.conf",
                         "[crio.runtime]\ndevice_ownership_from_security_context = true\n");
  crio_->Stop();
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  const std::string log = owner();
  EXPECT_NE(log.find("stdout F 1234:5678"), std::string::npos) << log;
}

TEST_F(ContainerTest, ExecSyncInATerminalContainerGetsATerminal) {
  v1::ContainerConfig config = Config("tty", {"sleep", "1000"});
  config.set_tty(true);
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  v1::ExecSyncRequest exec;
  exec.set_container_id(id);
  for (const char* arg : {"sh", "-c", "test -t 1 && echo on-a-terminal"}) exec.add_cmd(arg);
  exec.set_timeout(10);
  v1::ExecSyncResponse response;
  const grpc::Status status = stub_->ExecSync(Context().get(), exec, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.exit_code(), 0) << response.stdout() << response.stderr();
  EXPECT_NE(response.stdout().find("on-a-terminal"), std::string::npos) << response.stdout();
  ASSERT_TRUE(Stop(id, 0).ok());
}

TEST_F(ContainerTest, ExecSyncReturnsOutputExitCodeAndHonoursTimeoutAndCap) {
  const std::string id =
      Create(Config("exec", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  ASSERT_TRUE(Start(id).ok());
  auto exec = [&](std::vector<std::string> cmd, int64_t timeout, v1::ExecSyncResponse* out) {
    v1::ExecSyncRequest request;
    request.set_container_id(id);
    for (const std::string& arg : cmd) request.add_cmd(arg);
    request.set_timeout(timeout);
    return stub_->ExecSync(Context().get(), request, out);
  };
  v1::ExecSyncResponse response;
  ASSERT_TRUE(exec({"sh", "-c", "echo out $GREETING; echo err >&2; exit 4"}, 0, &response).ok());
  EXPECT_EQ(response.exit_code(), 4);
  EXPECT_EQ(response.stdout(), "out hello\n");
  EXPECT_EQ(response.stderr(), "err\n");

  const auto start = std::chrono::steady_clock::now();
  const grpc::Status timed_out = exec({"sh", "-c", "exec yes >/dev/null"}, 1, &response);
  EXPECT_EQ(timed_out.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << timed_out.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // The timed-out process is gone (killed and reaped, not even a zombie) when the call returns.
  ASSERT_TRUE(exec({"sh", "-c", "cat /proc/[0-9]*/stat"}, 10, &response).ok());
  EXPECT_EQ(response.stdout().find("(yes)"), std::string::npos) << response.stdout();

  // CVE-2022-1708: a chatty command cannot make crio hold unbounded output.
  const grpc::Status chatty =
      exec({"sh", "-c", "yes 0123456789abcdef | head -c 20000000"}, 60, &response);
  ASSERT_TRUE(chatty.ok()) << chatty.error_message();
  // conmon stops logging at the global cap (log lines carry timestamps, so less content
  // than the cap arrives); crio truncates each stream to 16 MiB on top of that.
  EXPECT_LE(response.stdout().size(), 16u << 20);
  EXPECT_GT(response.stdout().size(), 1u << 20);

  ASSERT_TRUE(Stop(id, 5).ok());
  EXPECT_EQ(exec({"true"}, 0, &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ContainerTest, ReopenContainerLogAfterRotation) {
  const std::string id = Create(Config(
      "chatty", {"sh", "-c", "trap 'exit 0' TERM; while true; do echo tick; sleep 0.1; done"}));
  ASSERT_TRUE(Start(id).ok());
  const std::string log = Status(id).status().log_path();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  fs::rename(log, log + ".1");  // what the kubelet's rotation does
  v1::ReopenContainerLogRequest request;
  request.set_container_id(id);
  v1::ReopenContainerLogResponse response;
  const grpc::Status reopened = stub_->ReopenContainerLog(Context().get(), request, &response);
  ASSERT_TRUE(reopened.ok()) << reopened.error_message();
  EXPECT_TRUE(fs::exists(log)) << "the new log file is there when the call returns";
  bool fresh = false;
  for (int i = 0; i < 50 && !fresh; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fresh = ReadText(log).find("stdout F tick") != std::string::npos;
  }
  EXPECT_TRUE(fresh) << "no new lines in the reopened log";
  EXPECT_NE(ReadText(log + ".1").find("stdout F tick"), std::string::npos);
  ASSERT_TRUE(Stop(id, 5).ok());
  EXPECT_EQ(stub_->ReopenContainerLog(Context().get(), request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ContainerTest, CrioctlRunsContainersEndToEnd) {
  auto crioctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinPath("crioctl"), "-r", crio_->endpoint()});
    return RunCommand(args, std::chrono::seconds(60));
  };
  const std::string pod_config = dir_.WriteFile(
      "pod.json", R"({"metadata":{"name":"cli","namespace":"default","uid":"cli"},)"
                  R"("linux":{"security_context":{"namespace_options":{"pid":1}}}})");
  const std::string container_config = dir_.WriteFile(
      "container.yaml", "metadata:\n  name: web\nimage:\n  image: " + image_ +
                            "\ncommand: [sh, -c, \"trap 'exit 0' TERM; echo ready; "
                            "while true; do sleep 0.1; done\"]\nlog_path: web.log\n");
  const RunResult run = crioctl({"run", container_config, pod_config});
  ASSERT_EQ(run.exit_code, 0) << run.err << crio_->Log();
  const std::string id = run.out.substr(0, run.out.find('\n'));

  EXPECT_EQ(crioctl({"ps", "--name", "([bad"}).exit_code, 0);  // matches nothing, no crash
  const RunResult ps = crioctl({"ps"});
  ASSERT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_NE(ps.out.find(id.substr(0, 13)), std::string::npos) << ps.out;
  EXPECT_NE(ps.out.find("Running"), std::string::npos) << ps.out;

  const RunResult exec = crioctl({"exec", id, "sh", "-c", "echo inside; exit 3"});
  EXPECT_EQ(exec.exit_code, 3);
  EXPECT_EQ(exec.out, "inside\n");

  RunResult logs;
  for (int i = 0; i < 50 && logs.out.find("ready") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    logs = crioctl({"logs", id});
  }
  EXPECT_EQ(logs.out, "ready\n");

  const RunResult inspect = crioctl({"inspect", id});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(json::parse(inspect.out)["status"]["state"], "CONTAINER_RUNNING");

  EXPECT_EQ(crioctl({"rm", id}).exit_code, 1);  // running: refused without --force
  ASSERT_EQ(crioctl({"stop", "-t", "5", id}).exit_code, 0);
  EXPECT_NE(crioctl({"ps", "-a", "--state", "exited"}).out.find(id.substr(0, 13)),
            std::string::npos);
  ASSERT_EQ(crioctl({"rm", id}).exit_code, 0);
  EXPECT_EQ(crioctl({"ps", "-a", "-q"}).out, "");
}

TEST_F(ContainerTest, SeccompProfilesConfineTheContainer) {
  auto run = [&](const std::string& name, const std::string& script,
                 void (*secure)(v1::LinuxContainerSecurityContext&, const std::string&),
                 const std::string& path) {
    v1::ContainerConfig config = Config(name, {"sh", "-c", script});
    secure(*config.mutable_linux()->mutable_security_context(), path);
    const std::string id = Create(config);
    EXPECT_TRUE(Start(id).ok());
    return ReadText(WaitForExit(id).log_path());
  };
  const std::string script = "grep Seccomp: /proc/self/status; mkdir /tmp/made && echo made";
  const std::string confined = run(
      "default", script,
      [](v1::LinuxContainerSecurityContext& context, const std::string&) {
        context.mutable_seccomp()->set_profile_type(v1::SecurityProfile::RuntimeDefault);
      },
      "");
  EXPECT_NE(confined.find("Seccomp:\t2"), std::string::npos) << confined;  // a filter is on
  EXPECT_NE(confined.find("stdout F made"), std::string::npos) << confined;

  const std::string unconfined = run(
      "unconfined", script,
      [](v1::LinuxContainerSecurityContext& context, const std::string&) {
        context.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Unconfined);
      },
      "");
  EXPECT_NE(unconfined.find("Seccomp:\t0"), std::string::npos) << unconfined;

  // No profile named: the default one, as CRI-O's seccomp_use_default_when_empty = true.
  const std::string unnamed = run(
      "unnamed", script, [](v1::LinuxContainerSecurityContext&, const std::string&) {}, "");
  EXPECT_NE(unnamed.find("Seccomp:\t2"), std::string::npos) << unnamed;

  // A Localhost profile that refuses mkdir (and mkdirat) and allows the rest.
  const std::string profile = dir_.WriteFile(
      "no-mkdir.json", R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[)"
                       R"({"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]})");
  const std::string localhost = run(
      "localhost", script,
      [](v1::LinuxContainerSecurityContext& context, const std::string& path) {
        context.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Localhost);
        context.mutable_seccomp()->set_localhost_ref(path);
      },
      profile);
  EXPECT_NE(localhost.find("Operation not permitted"), std::string::npos) << localhost;
  EXPECT_EQ(localhost.find("stdout F made"), std::string::npos) << localhost;

  // A privileged container ignores the profile it asks for; privileged_seccomp_profile
  // (no sethostname, see the fixture) applies instead.
  const std::string privileged = run(
      "privileged", script + "; hostname renamed || echo hostname-refused",
      [](v1::LinuxContainerSecurityContext& context, const std::string& path) {
        context.set_privileged(true);
        context.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Localhost);
        context.mutable_seccomp()->set_localhost_ref(path);
      },
      profile);
  EXPECT_NE(privileged.find("stdout F made"), std::string::npos) << privileged;
  EXPECT_NE(privileged.find("stdout F hostname-refused"), std::string::npos) << privileged;

  v1::ContainerConfig broken = Config("broken", {"true"});
  broken.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
      v1::SecurityProfile::Localhost);
  broken.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_localhost_ref(
      dir_.WriteFile("broken.json", "{not json"));
  grpc::Status status;
  Create(broken, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("broken.json"), std::string::npos);
}

TEST_F(ContainerTest, OutOfMemoryIsReportedAsOomKilled) {
  v1::ContainerConfig config =
      Config("hog", {"sh", "-c", "head -c 200000000 /dev/zero | tail > /dev/null"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(32 << 20);
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());
  const v1::ContainerStatus status = WaitForExit(id);
  EXPECT_EQ(status.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(status.reason(), "OOMKilled") << "exit code " << status.exit_code();
}

TEST_F(ContainerTest, SecurityContextFieldsTakeEffect) {
  auto run = [&](const std::string& name, const std::string& script,
                 const std::function<void(v1::LinuxContainerSecurityContext&)>& secure) {
    v1::ContainerConfig config = Config(name, {"sh", "-c", script});
    secure(*config.mutable_linux()->mutable_security_context());
    const std::string id = Create(config);
    EXPECT_TRUE(Start(id).ok());
    return ReadText(WaitForExit(id).log_path());
  };
  // Capabilities: the 9 defaults are 0x5fb (as CRI-O's); NET_ADMIN added, KILL dropped.
  std::string log =
      run("caps", "grep CapEff /proc/self/status", [](v1::LinuxContainerSecurityContext& context) {
        context.mutable_capabilities()->add_add_capabilities("NET_ADMIN");
        context.mutable_capabilities()->add_drop_capabilities("KILL");
      });
  EXPECT_NE(log.find("CapEff:\t00000000000015db"), std::string::npos) << log;
  log = run("noprivs", "grep NoNewPrivs /proc/self/status",
            [](v1::LinuxContainerSecurityContext& context) { context.set_no_new_privs(true); });
  EXPECT_NE(log.find("NoNewPrivs:\t1"), std::string::npos) << log;
  log = run("ids", "id", [](v1::LinuxContainerSecurityContext& context) {
    context.mutable_run_as_user()->set_value(1234);
    context.mutable_run_as_group()->set_value(5678);
    context.add_supplemental_groups(33);
  });
  EXPECT_NE(log.find("uid=1234 gid=5678 groups=33(www-data),5678"), std::string::npos) << log;
  log = run("readonly", "touch /made 2>&1; touch /tmp/made && echo tmp-ok",
            [](v1::LinuxContainerSecurityContext& context) { context.set_readonly_rootfs(true); });
  EXPECT_NE(log.find("Read-only file system"), std::string::npos) << log;
  {  // a device from the host, usable inside
    v1::ContainerConfig config = Config("device", {"sh", "-c", "echo hi > /dev/mynull && echo ok"});
    v1::Device* device = config.add_devices();
    device->set_container_path("/dev/mynull");
    device->set_host_path("/dev/null");
    device->set_permissions("rw");
    const std::string id = Create(config);
    ASSERT_TRUE(Start(id).ok());
    const v1::ContainerStatus status = WaitForExit(id);
    EXPECT_EQ(status.exit_code(), 0) << ReadText(status.log_path());
  }
  log = run("masked", "cat /proc/kcore | wc -c; echo x > /proc/sys/kernel/domainname || echo ro",
            [](v1::LinuxContainerSecurityContext&) {});
  EXPECT_NE(log.find("stdout F 0\n"), std::string::npos) << log;  // masked: empty
  EXPECT_NE(log.find("stdout F ro"), std::string::npos) << log;
  log = run("unprivileged-devices", "test -c /dev/kmsg && echo host-devices || echo none",
            [](v1::LinuxContainerSecurityContext&) {});
  EXPECT_NE(log.find("stdout F none"), std::string::npos) << log;
  log = run("privileged",
            "grep CapEff /proc/self/status; touch /sys/kernel/x 2>&1 | grep -c Read-only; "
            "test -c /dev/kmsg && echo host-devices",
            [](v1::LinuxContainerSecurityContext& context) { context.set_privileged(true); });
  // Privileged: every capability crio itself has.
  std::string host_caps;
  std::istringstream status(ReadText("/proc/self/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("CapBnd:")) host_caps = line.substr(7);
  }
  EXPECT_NE(log.find("CapEff:" + host_caps), std::string::npos) << log;
  if (fs::exists("/dev/kmsg")) {  // and every host device
    EXPECT_NE(log.find("stdout F host-devices"), std::string::npos) << log;
  }
}

TEST_F(ContainerTest, OciHooksRunForMatchingContainers) {
  const std::string record = dir_.Join("hook-state");
  const std::string script = dir_.WriteFile("hook.sh", "#!/bin/sh\ncat >> " + record + "\n");
  fs::permissions(script, fs::perms::owner_all);
  dir_.WriteFile("hooks.d/50-record.json",
                 R"({"version":"1.0.0","hook":{"path":")" + script +
                     R"("},"when":{"annotations":{"^example.com/record$":"^yes$"}},)"
                     R"("stages":["prestart"]})");
  v1::ContainerConfig plain = Config("plain", {"true"});
  const std::string plain_id = Create(plain);
  ASSERT_TRUE(Start(plain_id).ok());
  v1::ContainerConfig hooked = Config("hooked", {"true"});
  (*hooked.mutable_annotations())["example.com/record"] = "yes";
  (*hooked.mutable_annotations())["run.oci.keep_original_groups"] = "1";  // crun would act on it
  const std::string hooked_id = Create(hooked);
  const json spec = json::parse(Status(hooked_id).info().at("info"))["runtimeSpec"];
  EXPECT_EQ(spec["annotations"]["example.com/record"], "yes");
  EXPECT_FALSE(spec["annotations"].contains("run.oci.keep_original_groups"));
  ASSERT_TRUE(Start(hooked_id).ok());
  WaitForExit(hooked_id);
  const std::string state = ReadText(record);  // runc hands the hook the container's state
  EXPECT_NE(state.find(hooked_id), std::string::npos) << state;
  EXPECT_EQ(state.find(plain_id), std::string::npos) << state;
}

// CRI-O's namespaces.bats "pid namespace mode target test": a pod whose pid mode is TARGET,
// and its container joining a container of another pod.
TEST_F(ContainerTest, AContainerMayJoinAnotherPodsContainersPidNamespace) {
  const std::string target =
      Create(Config("target", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  ASSERT_TRUE(Start(target).ok());
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("targeting");
  auto* pod_namespaces = run.mutable_config()
                             ->mutable_linux()
                             ->mutable_security_context()
                             ->mutable_namespace_options();
  pod_namespaces->set_pid(v1::TARGET);
  pod_namespaces->set_target_id(target);
  v1::RunPodSandboxResponse ran;
  const grpc::Status ran_status = stub_->RunPodSandbox(Context().get(), run, &ran);
  ASSERT_TRUE(ran_status.ok()) << ran_status.error_message();
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(ran.pod_sandbox_id());
  *create.mutable_config() = Config("joiner", {"sh", "-c", "ps -o args"});
  auto* namespaces = create.mutable_config()
                         ->mutable_linux()
                         ->mutable_security_context()
                         ->mutable_namespace_options();
  namespaces->set_pid(v1::TARGET);
  namespaces->set_target_id(target);
  *create.mutable_sandbox_config() = run.config();
  v1::CreateContainerResponse created;
  const grpc::Status create_status = stub_->CreateContainer(Context().get(), create, &created);
  ASSERT_TRUE(create_status.ok()) << create_status.error_message();
  ASSERT_TRUE(Start(created.container_id()).ok());
  const std::string log = ReadText(WaitForExit(created.container_id()).log_path());
  EXPECT_NE(log.find("while true; do sleep 0.1; done"), std::string::npos) << log;
  ASSERT_TRUE(RemovePod(ran.pod_sandbox_id()).ok());
}

TEST_F(ContainerTest, TargetPidNamespaceAndHostToContainerPropagation) {
  const std::string target =
      Create(Config("target", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  ASSERT_TRUE(Start(target).ok());

  // A host dir that propagates: mounts made under it after the container started show up.
  const std::string shared = dir_.Join("shared");
  fs::create_directories(shared);
  ASSERT_EQ(RunCommand({"mount", "--bind", shared, shared}).exit_code, 0);
  absl::Cleanup unmount = [&] { RunCommand({"umount", "-R", shared}); };
  ASSERT_EQ(RunCommand({"mount", "--make-rshared", shared}).exit_code, 0);
  v1::ContainerConfig config =
      Config("joiner", {"sh", "-c", "sleep 1; ps -o args; cat /host/late/marker"});
  auto* namespaces =
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_pid(v1::TARGET);
  namespaces->set_target_id(target);
  v1::Mount* mount = config.add_mounts();
  mount->set_container_path("/host");
  mount->set_host_path(shared);
  mount->set_propagation(v1::PROPAGATION_HOST_TO_CONTAINER);
  const std::string joiner = Create(config);
  ASSERT_TRUE(Start(joiner).ok());
  fs::create_directories(shared + "/late");
  ASSERT_EQ(RunCommand({"mount", "-t", "tmpfs", "tmpfs", shared + "/late"}).exit_code, 0);
  std::ofstream(shared + "/late/marker") << "propagated\n";
  const std::string log = ReadText(WaitForExit(joiner).log_path());
  EXPECT_NE(log.find("while true; do sleep 0.1; done"), std::string::npos) << log;
  EXPECT_NE(log.find("stdout F propagated"), std::string::npos) << log;
}

TEST_F(ContainerTest, StatusApiDescribesPausesAndUnpausesContainers) {
  auto get = [&](const std::string& path) {
    return RunCommand({"curl", "-s", "--unix-socket", crio_->socket(), "http://localhost" + path});
  };
  // The pod has no infra container: its ID describes the one it stands in for, as CRI-O's
  // inspect.bats "pod inspect when dropping infra" reads it; no process before a container.
  const json pod = json::parse(get("/containers/" + pod_).out);
  EXPECT_EQ(pod["sandbox"], pod_);
  EXPECT_EQ(pod["pid"], 0);
  EXPECT_TRUE(pod["name"].get<std::string>().starts_with("k8s_POD_pod_default_")) << pod.dump();

  const std::string id =
      Create(Config("counter", {"sh", "-c",
                                "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo $i; "
                                "sleep 0.05; done"}));
  ASSERT_TRUE(Start(id).ok());
  const json info = json::parse(get("/containers/" + id).out);
  EXPECT_EQ(json::parse(get("/containers/" + pod_).out)["pid"], info["pid"])
      << "the pod's process is its first running container's";
  EXPECT_EQ(info["sandbox"], pod_);
  EXPECT_GT(info["pid"].get<int>(), 0);
  EXPECT_EQ(info["image"], image_);
  EXPECT_TRUE(info["name"].get<std::string>().starts_with("k8s_counter_pod_default_"));
  const RunResult status = RunCommand(
      {BinPath("crio"), "status", "--socket", crio_->socket(), "containers", "--id", id});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  // CRI-O's ContainerInfo, as crio-status prints it.
  EXPECT_TRUE(status.out.starts_with("name: " + info["name"].get<std::string>() + "\npid: "))
      << status.out;
  EXPECT_NE(status.out.find("\nsandbox: " + pod_ + "\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("\nroot: " + info["root"].get<std::string>() + "\n"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("\n  io.kubernetes.cri-o.ContainerID: " + id + "\n"),
            std::string::npos)
      << "the CRI-O annotations: " << status.out;

  const std::string log = Status(id).status().log_path();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(json::parse(get("/pause/" + id).out)["id"], id);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const size_t frozen = ReadText(log).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(ReadText(log).size(), frozen);  // nothing runs while paused
  // CRI-O's conflicts: pausing a paused container, resuming a running one.
  auto code = [&](const std::string& path) {
    return RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
                       crio_->socket(), "http://localhost" + path})
        .out;
  };
  EXPECT_EQ(code("/pause/" + id), "409");
  ASSERT_EQ(json::parse(get("/unpause/" + id).out)["id"], id);
  EXPECT_EQ(code("/unpause/" + id), "409");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_GT(ReadText(log).size(), frozen);
  EXPECT_NE(get("/containers/nosuch").out.find("can't find the container"), std::string::npos);
  ASSERT_TRUE(Stop(id, 5).ok());
}

TEST_F(ContainerTest, RemovingThePodRemovesItsContainers) {
  const std::string id =
      Create(Config("member", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  ASSERT_TRUE(Start(id).ok());
  const std::string rootfs = json::parse(Status(id).info().at("info"))["rootfs"];
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(pod_);
  v1::StopPodSandboxResponse stopped;
  ASSERT_TRUE(stub_->StopPodSandbox(Context().get(), stop, &stopped).ok());
  EXPECT_EQ(Status(id).status().state(), v1::CONTAINER_EXITED);
  v1::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(pod_);
  v1::RemovePodSandboxResponse removed;
  ASSERT_TRUE(stub_->RemovePodSandbox(Context().get(), remove, &removed).ok());
  v1::ListContainersResponse listed;
  ASSERT_TRUE(stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &listed).ok());
  EXPECT_EQ(listed.containers_size(), 0);
  EXPECT_FALSE(fs::exists(rootfs));
}

}  // namespace
}  // namespace crio::testing
