// The container lifecycle without root: fakes stand in for the rootfs, the OCI runtime, the
// images and the pod's network and namespaces. Rollback at every step, name release, the
// intent a crash leaves and what Restore makes of it, stop escalation, kubelet retries.
#include "container/containers.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/fake_pod.h"
#include "testing/log_capture.h"
#include "testing/temp_dir.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

constexpr char kImageId[] = "1111111111111111111111111111111111111111111111111111111111111111";

class FakeImages final : public ImageSource {
 public:
  absl::StatusOr<std::optional<storage::ImageRecord>> Find(const std::string& name) override {
    if (name != "busybox") return std::nullopt;
    return storage::ImageRecord{
        .id = kImageId, .repo_tags = {"busybox:latest"}, .layers = {"layer-1"}};
  }
  absl::StatusOr<std::string> Config(const std::string&) override {
    return R"({"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},)"
           R"("rootfs":{"type":"layers","diff_ids":[]}})";
  }
  absl::Status Pull(const std::string& name, const image::Credentials&) override {
    return absl::UnavailableError("no registry for " + name);
  }
};

// Mounts are directories under `dir`; failures on request.
class FakeRootfs final : public storage::ContainerRootfs {
 public:
  explicit FakeRootfs(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::string> Mount(const storage::RootfsRequest& request) override {
    if (!mount_result.ok()) return mount_result;
    const std::string& id = request.id;
    const std::string path = dir_ + "/" + id;
    fs::create_directories(path);
    mounted.insert(id);
    return path;
  }
  absl::Status Unmount(const std::string& id) override {
    mounted.erase(id);
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& id) override {
    if (!remove_result.ok()) return remove_result;
    mounted.erase(id);
    std::error_code ignored;
    fs::remove_all(dir_ + "/" + id, ignored);
    return absl::OkStatus();
  }
  absl::StatusOr<storage::RecordedContainers> Recorded() override {
    return storage::RecordedContainers{.crios = {}, .others = others};
  }

  absl::Status mount_result;
  std::set<std::string> others;
  absl::Status remove_result;
  std::set<std::string> mounted;

 private:
  const std::string dir_;
};

// Keeps containers in a map; a signal in `exits_on` ends the process: the exit file appears
// in the exits dir, as conmon writes it.
class ScriptedRuntime final : public oci::OciRuntime {
 public:
  explicit ScriptedRuntime(std::string exits_dir) : exits_dir_(std::move(exits_dir)) {}

  absl::StatusOr<oci::Created> Create(const oci::CreateRequest& request) override {
    if (!create_result.ok()) return create_result;
    states[request.id] = "created";
    return oci::Created{.pid = 4242, .monitor_pid = 4241};
  }
  absl::Status Start(const std::string& id) override {
    if (!start_result.ok()) return start_result;
    states[id] = "running";
    return absl::OkStatus();
  }
  absl::Status Kill(const std::string& id, int signal, bool) override {
    signals.push_back(signal);
    if (exits_on.contains(signal)) {
      states[id] = "stopped";
      fs::create_directories(exits_dir_);
      std::ofstream(exits_dir_ + "/" + id) << 128 + signal;
    }
    return absl::OkStatus();
  }
  // As conmon's runtime: the exit file goes with the container.
  absl::Status Delete(const std::string& id) override {
    deleted.push_back(id);
    states.erase(id);
    std::error_code ignored;
    fs::remove(exits_dir_ + "/" + id, ignored);
    return absl::OkStatus();
  }
  absl::StatusOr<oci::RuntimeState> State(const std::string& id) override {
    auto found = states.find(id);
    if (found == states.end()) return absl::NotFoundError(id + " does not exist");
    return oci::RuntimeState{.status = found->second, .pid = 4242};
  }
  absl::StatusOr<std::vector<oci::RuntimeContainer>> List() override {
    std::vector<oci::RuntimeContainer> listed;
    for (const auto& [id, status] : states) {
      listed.push_back({.id = id,
                        .bundle = bundles_root + "/" + id + "/userdata",
                        .status = status,
                        .pid = 4242});
    }
    return listed;
  }
  absl::Status Update(const std::string&, const std::string&) override { return absl::OkStatus(); }
  absl::Status Pause(const std::string&) override { return absl::OkStatus(); }
  absl::Status Resume(const std::string&) override { return absl::OkStatus(); }
  absl::StatusOr<oci::ExecResult> ExecSync(const oci::ExecRequest&) override {
    return oci::ExecResult{};
  }
  absl::StatusOr<std::unique_ptr<oci::ExecProcess>> StartExec(const oci::ExecRequest&,
                                                              const oci::ExecStdio&) override {
    return absl::UnavailableError("no processes here");
  }
  absl::StatusOr<sys::UniqueFd> ConnectAttach(const std::string&) override {
    return absl::UnavailableError("no attach socket here");
  }
  absl::Status ResizeTerminal(const std::string&, uint16_t, uint16_t) override {
    return absl::OkStatus();
  }
  // As conmon: the exit file's content.
  absl::StatusOr<oci::RecordedExit> ExitOf(const std::string& id, const std::string&,
                                           const std::string&) override {
    std::ifstream file(exits_dir_ + "/" + id);
    int code = 0;
    if (!(file >> code)) return absl::NotFoundError(id + " runs");
    return oci::RecordedExit{.code = code};
  }
  absl::Status ReopenLog(const std::string&) override { return absl::OkStatus(); }

  absl::Status create_result;
  absl::Status start_result;
  std::set<int> exits_on = {SIGTERM, SIGKILL};
  std::map<std::string, std::string> states;
  std::vector<int> signals;
  std::vector<std::string> deleted;
  std::string bundles_root;  // where List says the bundles are

 private:
  const std::string exits_dir_;
};

class ContainersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *state::Database::Open(":memory:");
    pod_store_ = *sandbox::SandboxStore::Open(*db_);
    container_store_ = *ContainerStore::Open(*db_);
    dir_.WriteFile("etc/resolv.conf", "nameserver 192.0.2.1\n");
    dir_.WriteFile("etc/hosts", "127.0.0.1 localhost\n");
    auto runtime = std::make_unique<ScriptedRuntime>(dir_.Join("exits"));
    runtime_ = runtime.get();
    runtime_->bundles_root = dir_.Join("run/overlay-containers");
    std::map<std::string, std::unique_ptr<oci::OciRuntime>> handlers;
    handlers.emplace("runc", std::move(runtime));
    runtimes_ = std::make_unique<oci::RuntimeHandlers>(std::move(handlers), "runc");
    sandboxes_ = std::make_unique<sandbox::Sandboxes>(
        sandbox::SandboxesOptions{.run_root = dir_.Join("run"),
                                  .namespaces_dir = dir_.Join("ns"),
                                  .log_dir = dir_.Join("logs"),
                                  .runtime_handlers = {"runc"},
                                  .boot_id = "boot-1",
                                  .host_resolv_conf = dir_.Join("etc/resolv.conf"),
                                  .host_hosts = dir_.Join("etc/hosts")},
        *pod_store_, network_, isolation_);
    containers_ = Make("boot-1");
    sandbox::SandboxSpec pod;
    pod.metadata = {.name = "pod", .uid = "pod-uid", .namespace_ = "default", .attempt = 0};
    pod.pid_mode = sandbox::NamespaceMode::kContainer;
    pod.log_directory = dir_.Join("logs/pod");
    auto ran = sandboxes_->Run(pod);
    ASSERT_TRUE(ran.ok()) << ran.status();
    pod_ = ran->id;
  }

  std::unique_ptr<Containers> Make(const std::string& boot_id) {
    auto containers =
        std::make_unique<Containers>(ContainersOptions{.root = dir_.Join("lib"),
                                                       .run_root = dir_.Join("run"),
                                                       .exits_dir = dir_.Join("exits"),
                                                       .boot_id = boot_id},
                                     *container_store_, *sandboxes_, images_, rootfs_, *runtimes_);
    sandboxes_->SetMembers(containers.get());
    return containers;
  }

  ContainerRequest Request(const std::string& name) const {
    ContainerRequest request;
    request.pod_id = pod_;
    request.name = name;
    request.image = "busybox";
    request.command = {"sleep", "600"};
    return request;
  }

  std::vector<Container> Rows() { return *container_store_->LoadAll(nullptr); }

  // Nothing of a container is left: no row, no mount, no dirs.
  void ExpectNothingLeftOf(const std::string& id) {
    for (const Container& row : Rows()) EXPECT_NE(row.id, id);
    EXPECT_FALSE(rootfs_.mounted.contains(id));
    EXPECT_FALSE(fs::exists(dir_.Join("lib/overlay-containers/" + id)));
    EXPECT_FALSE(fs::exists(dir_.Join("run/overlay-containers/" + id)));
  }

  testing::TempDir dir_;
  std::unique_ptr<state::Database> db_;
  std::unique_ptr<sandbox::SandboxStore> pod_store_;
  std::unique_ptr<ContainerStore> container_store_;
  testing::FakeNetwork network_;
  testing::FakeIsolation isolation_;
  FakeImages images_;
  FakeRootfs rootfs_{dir_.Join("rootfs")};
  ScriptedRuntime* runtime_ = nullptr;
  std::unique_ptr<oci::RuntimeHandlers> runtimes_;
  std::unique_ptr<sandbox::Sandboxes> sandboxes_;
  std::unique_ptr<Containers> containers_;
  std::string pod_;
};

TEST_F(ContainersTest, CreateBuildsAndRecordsTheContainer) {
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->state, ContainerState::kCreated);
  EXPECT_TRUE(rootfs_.mounted.contains(created->id));
  EXPECT_TRUE(fs::exists(created->bundle + "/config.json"));
  ASSERT_EQ(Rows().size(), 1u);
  EXPECT_FALSE(Rows()[0].creating);
  EXPECT_EQ(Rows()[0].request.command, (std::vector<std::string>{"sleep", "600"}));
}

class CreateFailureTest : public ContainersTest,
                          public ::testing::WithParamInterface<std::string> {};

TEST_P(CreateFailureTest, EveryEarlierStepIsUndoneAndTheNameReleased) {
  ContainerRequest request = Request("web");
  const std::string point = GetParam();
  if (point == "image") request.image = "missing";
  if (point == "rootfs") rootfs_.mount_result = absl::InternalError("overlay refused");
  if (point == "spec") request.working_dir = "/proc/self/fd";
  if (point == "runtime") runtime_->create_result = absl::InternalError("runc create failed");
  auto failed = containers_->Create(request);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(Rows().empty());
  EXPECT_TRUE(rootfs_.mounted.empty());
  for (const char* dir : {"rootfs", "lib/overlay-containers", "run/overlay-containers"}) {
    EXPECT_TRUE(!fs::exists(dir_.Join(dir)) || fs::is_empty(dir_.Join(dir))) << dir;
  }
  EXPECT_TRUE(containers_->List({}).empty());
  rootfs_.mount_result = absl::OkStatus();
  runtime_->create_result = absl::OkStatus();
  EXPECT_TRUE(containers_->Create(Request("web")).ok());  // the name is free
}

INSTANTIATE_TEST_SUITE_P(Points, CreateFailureTest,
                         ::testing::Values("image", "rootfs", "spec", "runtime"));

TEST_F(ContainersTest, AnUndoThatFailsKeepsTheIntentForTheNextStart) {
  runtime_->create_result = absl::InternalError("runc create failed");
  rootfs_.remove_result = absl::InternalError("device busy");
  ASSERT_FALSE(containers_->Create(Request("web")).ok());
  ASSERT_EQ(Rows().size(), 1u);
  EXPECT_TRUE(Rows()[0].creating);
  const std::string id = Rows()[0].id;

  rootfs_.remove_result = absl::OkStatus();
  auto restarted = Make("boot-1");
  ASSERT_TRUE(restarted->Restore().ok());
  ExpectNothingLeftOf(id);
  EXPECT_NE(std::find(runtime_->deleted.begin(), runtime_->deleted.end(), id),
            runtime_->deleted.end());
}

TEST_F(ContainersTest, RestoreUndoesACreationCutShort) {
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok());
  Container intent = *created;
  intent.creating = true;  // what a crio killed before the last write leaves
  ASSERT_TRUE(container_store_->Save(intent, "k8s_web").ok());
  auto restarted = Make("boot-1");
  ASSERT_TRUE(restarted->Restore().ok());
  ExpectNothingLeftOf(created->id);
  EXPECT_FALSE(runtime_->states.contains(created->id));
  EXPECT_TRUE(restarted->Create(Request("web")).ok());
}

TEST_F(ContainersTest, RestoreRemovesContainersWhosePodIsGone) {
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(pod_store_->Delete(pod_).ok());  // the pod's row went, its container's did not
  auto pods = std::make_unique<sandbox::Sandboxes>(
      sandbox::SandboxesOptions{.run_root = dir_.Join("run"),
                                .namespaces_dir = dir_.Join("ns"),
                                .log_dir = dir_.Join("logs"),
                                .runtime_handlers = {"runc"},
                                .boot_id = "boot-1"},
      *pod_store_, network_, isolation_);
  ASSERT_TRUE(pods->Restore().ok());
  Containers restarted({.root = dir_.Join("lib"),
                        .run_root = dir_.Join("run"),
                        .exits_dir = dir_.Join("exits"),
                        .boot_id = "boot-1"},
                       *container_store_, *pods, images_, rootfs_, *runtimes_);
  ASSERT_TRUE(restarted.Restore().ok());
  ExpectNothingLeftOf(created->id);
  EXPECT_TRUE(restarted.List({}).empty());
}

TEST_F(ContainersTest, RestoreSweepsRuntimeContainersAndDirsWithoutARow) {
  const std::string lost(64, 'e');
  runtime_->states[lost] = "running";
  fs::create_directories(dir_.Join("lib/overlay-containers/" + lost + "/userdata"));
  fs::create_directories(dir_.Join("lib/overlay-containers/not-crios"));
  const std::string podmans(64, 'f');  // a podman container in the shared storage root
  fs::create_directories(dir_.Join("lib/overlay-containers/" + podmans + "/userdata"));
  rootfs_.others = {podmans};
  dir_.WriteFile("exits/" + lost, "0");
  auto kept = containers_->Create(Request("kept"));
  ASSERT_TRUE(kept.ok());
  auto restarted = Make("boot-1");
  ASSERT_TRUE(restarted->Restore().ok());
  EXPECT_FALSE(runtime_->states.contains(lost));
  EXPECT_FALSE(fs::exists(dir_.Join("lib/overlay-containers/" + lost)));
  EXPECT_FALSE(fs::exists(dir_.Join("exits/" + lost)));
  EXPECT_TRUE(fs::exists(dir_.Join("lib/overlay-containers/not-crios")));
  EXPECT_TRUE(fs::exists(dir_.Join("lib/overlay-containers/" + podmans + "/userdata")));
  EXPECT_TRUE(runtime_->states.contains(kept->id));
  EXPECT_TRUE(restarted->Get(kept->id).ok());
}

TEST_F(ContainersTest, RestoreSeesAStartCrioDidNotRecord) {
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok());
  runtime_->states[created->id] = "running";  // runc started it; crio died before saving
  auto restarted = Make("boot-1");
  ASSERT_TRUE(restarted->Restore().ok());
  EXPECT_EQ(restarted->Get(created->id)->state, ContainerState::kRunning);
}

TEST_F(ContainersTest, StopEscalatesFromTheStopSignalToSigkill) {
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(containers_->Start(created->id).ok());
  runtime_->exits_on = {SIGKILL};  // it ignores SIGTERM
  ASSERT_TRUE(containers_->Stop(created->id, 1).ok());
  EXPECT_EQ(runtime_->signals, (std::vector<int>{SIGTERM, SIGKILL}));
  const Container stopped = *containers_->Get(created->id);
  EXPECT_EQ(stopped.state, ContainerState::kExited);
  EXPECT_EQ(stopped.exit_code, 128 + SIGKILL);
}

// With enable_pod_events, each event is logged at debug, in CRI-O's words (ctr.bats waits
// for them), whether or not anybody subscribed.
TEST_F(ContainersTest, PodEventsAreLoggedAsCrioLogsThem) {
  containers_ = std::make_unique<Containers>(
      ContainersOptions{.root = dir_.Join("lib"),
                        .run_root = dir_.Join("run"),
                        .exits_dir = dir_.Join("exits"),
                        .boot_id = "boot-1",
                        .reloadable = [] { return ReloadableOptions{.pod_events = true}; }},
      *container_store_, *sandboxes_, images_, rootfs_, *runtimes_);
  sandboxes_->SetMembers(containers_.get());
  testing::LogCapture capture(log::Level::kDebug);
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(containers_->Start(created->id).ok());
  ASSERT_TRUE(containers_->Stop(created->id, 0).ok());
  ASSERT_TRUE(containers_->Remove(created->id).ok());
  for (const char* event : {"CREATED", "STARTED", "STOPPED", "DELETED"}) {
    EXPECT_EQ(capture
                  .Matching(fmt::format("Container event CONTAINER_{}_EVENT generated for {}",
                                        event, created->id))
                  .size(),
              1u)
        << event;
  }
}

TEST_F(ContainersTest, RemoveReleasesTheNameAndEverything) {
  auto created = containers_->Create(Request("web"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(containers_->Remove(created->id).ok());
  ExpectNothingLeftOf(created->id);
  EXPECT_TRUE(containers_->Remove(created->id).ok()) << "removal is idempotent";
  // Stopping what is gone is NOT_FOUND, in CRI-O's words (restore.bats checks them).
  const absl::Status stopped = containers_->Stop(created->id, 0);
  EXPECT_EQ(stopped.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(stopped.message().find("could not find container \"" + created->id + "\""), 0u)
      << stopped;
  EXPECT_TRUE(containers_->Create(Request("web")).ok());
}

TEST_F(ContainersTest, ARetryGetsTheContainerItsCallerNeverReceived) {
  auto first = containers_->Create(Request("web"), Caller{.gone = [] { return true; }});
  ASSERT_TRUE(first.ok());
  auto retry = containers_->Create(Request("web"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id, first->id);
  EXPECT_EQ(Rows().size(), 1u);
  EXPECT_EQ(containers_->Create(Request("web")).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ContainersTest, NoContainerIsCreatedInAStoppedPod) {
  ASSERT_TRUE(sandboxes_->Stop(pod_).ok());
  auto refused = containers_->Create(Request("web"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("cannot create containers in it"), std::string::npos);
  EXPECT_TRUE(Rows().empty());
}

}  // namespace
}  // namespace crio::container
