#include "sandbox/sandboxes.h"

#include <atomic>
#include <filesystem>
#include <set>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "testing/fake_pod.h"
#include "testing/temp_dir.h"

namespace crio::sandbox {
namespace {

using testing::FakeIsolation;
using testing::FakeNetwork;

class FakeMembers final : public PodMembers {
 public:
  absl::StatusOr<InfraProcess> StartInfra(const Sandbox& pod) override {
    infra_netns = pod.netns_path;
    if (!infra_result.ok()) return infra_result;
    return InfraProcess{.id = "infra-" + pod.id, .pid = 77};
  }
  absl::Status RemoveInfra(const std::string& id) override {
    removed_infra.push_back(id);
    return absl::OkStatus();
  }
  absl::Status StopPodMembers(const std::string& pod_id) override {
    stopped.push_back(pod_id);
    return absl::OkStatus();
  }
  absl::Status RemovePodMembers(const std::string& pod_id) override {
    removed.push_back(pod_id);
    return absl::OkStatus();
  }

  absl::Status infra_result;
  std::string infra_netns;
  std::vector<std::string> removed_infra, stopped, removed;
};

class SandboxesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *state::Database::Open(":memory:");
    store_ = *SandboxStore::Open(*db_);
    dir_.WriteFile("etc/resolv.conf", "nameserver 192.0.2.1\n");
    dir_.WriteFile("etc/hosts", "127.0.0.1 localhost host\n");
    sandboxes_ = Make("boot-1");
  }

  std::unique_ptr<Sandboxes> Make(const std::string& boot_id) {
    return std::make_unique<Sandboxes>(
        SandboxesOptions{.run_root = dir_.Join("run"),
                         .namespaces_dir = dir_.Join("ns"),
                         .log_dir = dir_.Join("logs"),
                         .default_sysctls = {"net.ipv4.ping_group_range=0 0"},
                         .runtime_handlers = {"runc"},
                         .unsupported_handlers = {{"kata-qemu", "vm"}},
                         .boot_id = boot_id,
                         .host_resolv_conf = dir_.Join("etc/resolv.conf"),
                         .host_hosts = dir_.Join("etc/hosts"),
                         .now_ns = [this] { return ++clock_; }},
        *store_, network_, isolation_);
  }

  static SandboxSpec Spec(const std::string& name) {
    SandboxSpec spec;
    spec.metadata = {.name = name, .uid = name + "-uid", .namespace_ = "default", .attempt = 0};
    spec.hostname = name;
    spec.labels = {{"app", name}};
    spec.pid_mode = NamespaceMode::kContainer;
    spec.port_mappings = {{.protocol = "tcp", .container_port = 80, .host_port = 8080},
                          {.protocol = "tcp", .container_port = 81, .host_port = 0}};
    return spec;
  }

  static std::string Read(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  testing::TempDir dir_;
  std::unique_ptr<state::Database> db_;
  std::unique_ptr<SandboxStore> store_;
  FakeNetwork network_;
  FakeIsolation isolation_;
  int64_t clock_ = 0;
  std::unique_ptr<Sandboxes> sandboxes_;
};

TEST_F(SandboxesTest, RunBuildsTheWholePod) {
  SandboxSpec spec = Spec("web");
  spec.sysctls = {{"net.ipv4.ping_group_range", "0 1000"}};
  auto pod = sandboxes_->Run(spec);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->id.size(), 64u);
  EXPECT_EQ(pod->state, SandboxState::kReady);
  EXPECT_EQ(pod->ips, std::vector<std::string>{"10.9.0.2"});
  EXPECT_EQ(Read(pod->hostname_path), "web\n");
  EXPECT_EQ(Read(pod->resolv_path), "nameserver 192.0.2.1\n");
  EXPECT_NE(Read(pod->hosts_path).find("10.9.0.2\tweb\n"), std::string::npos);
  EXPECT_TRUE(isolation_.mounts.contains(pod->run_dir + "/shm"));
  EXPECT_EQ(isolation_.pins.size(), 3u);
  ASSERT_EQ(isolation_.requests.size(), 1u);
  EXPECT_EQ(isolation_.requests[0].hostname, "web");
  // The pod's own value replaces the default.
  EXPECT_EQ(
      isolation_.requests[0].sysctls,
      (std::vector<std::pair<std::string, std::string>>{{"net.ipv4.ping_group_range", "0 1000"}}));
  ASSERT_EQ(network_.attached.size(), 1u);
  EXPECT_EQ(network_.attached[0].netns, pod->netns_path);
  EXPECT_EQ(network_.attached[0].port_mappings.size(), 1u);  // host port 0 is not mapped
  EXPECT_TRUE(std::filesystem::is_directory(dir_.Join("logs/" + pod->id)));
}

TEST_F(SandboxesTest, SameMetadataTwiceIsAnError) {
  auto first = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(first.ok());
  auto second = sandboxes_->Run(Spec("web"));
  ASSERT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(second.status().message().find("k8s_web_default_web-uid_0"), std::string::npos);
  EXPECT_NE(second.status().message().find(first->id), std::string::npos);
}

// A pod without an infra container gets CRI-O's crio-ID cgroup below its parent, for as long
// as it lives (cgroups.bats "conmon custom cgroup with no infra container").
TEST_F(SandboxesTest, APodWithoutInfraHasItsCgroupUntilRemoved) {
  SandboxSpec spec = Spec("web");
  spec.cgroup_parent = "/kubepods/burstable/pod1/";
  auto pod = sandboxes_->Run(spec);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(isolation_.cgroups,
            std::set<std::string>{"/kubepods/burstable/pod1/crio-" + pod->id});
  auto plain = sandboxes_->Run(Spec("plain"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(isolation_.cgroups.contains("/crio-" + plain->id)) << "no parent: the root's";
  ASSERT_TRUE(sandboxes_->Stop(pod->id).ok());
  EXPECT_EQ(isolation_.cgroups.size(), 2u) << "a stopped pod keeps it";
  ASSERT_TRUE(sandboxes_->Remove(pod->id).ok());
  ASSERT_TRUE(sandboxes_->Remove(plain->id).ok());
  EXPECT_TRUE(isolation_.cgroups.empty());
}

// io.kubernetes.cri-o.ShmSize sizes the pod's /dev/shm where allowed_annotations lets it.
TEST_F(SandboxesTest, ShmSizeAnnotationWhereAllowed) {
  sandboxes_ = std::make_unique<Sandboxes>(
      SandboxesOptions{.run_root = dir_.Join("run"),
                       .namespaces_dir = dir_.Join("ns"),
                       .log_dir = dir_.Join("logs"),
                       .runtime_handlers = {"runc"},
                       .boot_id = "boot-1",
                       .host_resolv_conf = dir_.Join("etc/resolv.conf"),
                       .host_hosts = dir_.Join("etc/hosts"),
                       .annotation_allowed =
                           [](const SandboxSpec& spec, std::string_view key) {
                             return spec.runtime_handler == "runc" &&
                                    key.starts_with("io.kubernetes.cri-o.Shm");
                           }},
      *store_, network_, isolation_);
  SandboxSpec spec = Spec("plain");
  spec.annotations["io.kubernetes.cri-o.ShmSize"] = "16Mi";
  auto plain = sandboxes_->Run(spec);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(isolation_.shm_sizes[plain->shm_path], 64u << 20) << "not allowed: the default";

  spec = Spec("sized");
  spec.runtime_handler = "runc";
  spec.annotations["io.kubernetes.cri-o.ShmSize"] = "16Mi";
  auto sized = sandboxes_->Run(spec);
  ASSERT_TRUE(sized.ok()) << sized.status();
  EXPECT_EQ(isolation_.shm_sizes[sized->shm_path], 16u << 20);

  spec = Spec("bad");
  spec.runtime_handler = "runc";
  spec.annotations["io.kubernetes.cri-o.ShmSize"] = "lots";
  const size_t mounts = isolation_.mounts.size();
  auto bad = sandboxes_->Run(spec);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("failed to parse shm size 'lots'"), std::string::npos);
  EXPECT_EQ(isolation_.mounts.size(), mounts);
  EXPECT_EQ(sandboxes_->List({}).size(), 2u);
}

TEST_F(SandboxesTest, NetworkFailureRollsEverythingBack) {
  network_.fail_with = absl::InternalError("plugin bridge failed");
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_FALSE(pod.ok());
  EXPECT_NE(pod.status().message().find("set up the pod network: plugin bridge failed"),
            std::string::npos);
  EXPECT_TRUE(isolation_.pins.empty());
  EXPECT_TRUE(isolation_.mounts.empty());
  EXPECT_TRUE(std::filesystem::is_empty(dir_.Join("run/pods")));
  EXPECT_TRUE(sandboxes_->List({}).empty());
  EXPECT_TRUE(store_->LoadAll(nullptr)->empty());
  network_.fail_with = absl::OkStatus();
  EXPECT_TRUE(sandboxes_->Run(Spec("web")).ok());  // the name was released
}

TEST_F(SandboxesTest, BadSysctlCreatesNothing) {
  SandboxSpec spec = Spec("web");
  spec.sysctls = {{"kernel.core_pattern", "|/evil"}};
  EXPECT_EQ(sandboxes_->Run(spec).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(isolation_.requests.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("run/pods")));
}

TEST_F(SandboxesTest, HostNetworkSkipsCniAndSharesHostFiles) {
  SandboxSpec spec = Spec("node");
  spec.network_mode = NamespaceMode::kNode;
  spec.ipc_mode = NamespaceMode::kNode;
  auto pod = sandboxes_->Run(spec);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_TRUE(network_.attached.empty());
  EXPECT_TRUE(pod->netns_path.empty());
  EXPECT_TRUE(pod->ipcns_path.empty());
  EXPECT_EQ(pod->shm_path, "/dev/shm");
  EXPECT_EQ(Read(pod->hosts_path), "127.0.0.1 localhost host\n");
  EXPECT_TRUE(isolation_.requests[0].sysctls.empty());  // the net default does not apply
}

TEST_F(SandboxesTest, StopReleasesEverythingAndRetriesAFailedCniDel) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  network_.detach_result = absl::InternalError("DEL failed");
  const absl::Status stopped = sandboxes_->Stop(pod->id);
  EXPECT_EQ(stopped.code(), absl::StatusCode::kInternal);
  EXPECT_NE(stopped.message().find("tear down the pod network: DEL failed"), std::string::npos);
  EXPECT_EQ(network_.detach_calls.size(), 3u);  // tried, then retried twice
  EXPECT_TRUE(isolation_.pins.empty());
  EXPECT_TRUE(isolation_.mounts.empty());
  EXPECT_EQ(sandboxes_->Get(pod->id)->state, SandboxState::kNotReady);
  EXPECT_TRUE(sandboxes_->Get(pod->id)->network_attached);

  network_.detach_result = absl::OkStatus();
  ASSERT_TRUE(sandboxes_->Stop(pod->id).ok());  // the kubelet's retry: DEL again
  EXPECT_EQ(network_.detached, std::vector<std::string>{pod->id});
  EXPECT_FALSE(sandboxes_->Get(pod->id)->network_attached);
  ASSERT_TRUE(sandboxes_->Stop(pod->id).ok());  // idempotent: no further DEL
  EXPECT_EQ(network_.detach_calls.size(), 4u);
  EXPECT_TRUE(sandboxes_->Stop("unknown").ok());
}

TEST_F(SandboxesTest, RemoveRetriesAFailedCniDel) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  network_.detach_result = absl::InternalError("DEL failed");
  EXPECT_FALSE(sandboxes_->Stop(pod->id).ok());
  EXPECT_FALSE(sandboxes_->Remove(pod->id).ok());  // the attachment is not forgotten
  EXPECT_TRUE(sandboxes_->Get(pod->id).ok());
  network_.detach_result = absl::OkStatus();
  ASSERT_TRUE(sandboxes_->Remove(pod->id).ok());
  EXPECT_EQ(network_.detached, std::vector<std::string>{pod->id});
  EXPECT_TRUE(store_->LoadAll(nullptr)->empty());
}

TEST_F(SandboxesTest, RemoveForgetsThePod) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  ASSERT_TRUE(std::filesystem::is_directory(dir_.Join("logs/" + pod->id)));
  ASSERT_TRUE(sandboxes_->Remove(pod->id).ok());  // stops first
  EXPECT_TRUE(isolation_.pins.empty());
  EXPECT_FALSE(std::filesystem::exists(pod->run_dir));
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("logs/" + pod->id)));  // crio made it
  EXPECT_EQ(sandboxes_->Get(pod->id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->LoadAll(nullptr)->empty());
  EXPECT_TRUE(sandboxes_->Remove(pod->id).ok());
  EXPECT_TRUE(sandboxes_->Run(Spec("web")).ok());
}

TEST_F(SandboxesTest, RemoveKeepsALogDirectoryTheKubeletNamed) {
  SandboxSpec spec = Spec("web");
  spec.log_directory = dir_.Join("kubelet-logs/web");
  auto pod = sandboxes_->Run(spec);
  ASSERT_TRUE(pod.ok());
  ASSERT_TRUE(sandboxes_->Remove(pod->id).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir_.Join("kubelet-logs/web")));
}

TEST_F(SandboxesTest, LookupByPrefixAndFilters) {
  auto web = sandboxes_->Run(Spec("web"));
  auto db = sandboxes_->Run(Spec("db"));
  ASSERT_TRUE(web.ok() && db.ok());
  EXPECT_EQ(sandboxes_->Get(web->id.substr(0, 12))->id, web->id);
  EXPECT_EQ(sandboxes_->Get("").status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(sandboxes_->Stop(db->id).ok());

  auto ids = [](const std::vector<Sandbox>& pods) {
    std::vector<std::string> result;
    for (const Sandbox& pod : pods) result.push_back(pod.spec.metadata.name);
    return result;
  };
  EXPECT_EQ(ids(sandboxes_->List({})), (std::vector<std::string>{"web", "db"}));
  EXPECT_EQ(ids(sandboxes_->List({.state = SandboxState::kReady})),
            std::vector<std::string>{"web"});
  EXPECT_EQ(ids(sandboxes_->List({.label_selector = {{"app", "db"}}})),
            std::vector<std::string>{"db"});
  EXPECT_EQ(ids(sandboxes_->List({.id_prefix = web->id.substr(0, 20)})),
            std::vector<std::string>{"web"});
}

TEST_F(SandboxesTest, RestoreAfterRebootMarksPodsNotReady) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  auto restarted = Make("boot-2");
  ASSERT_TRUE(restarted->Restore().ok());
  auto restored = restarted->Get(pod->id);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->state, SandboxState::kNotReady);
  EXPECT_EQ(restored->ips, pod->ips);
  EXPECT_TRUE(isolation_.pins.empty());  // stale pins removed
  // CNI DEL from the cached attachment releases the pod's IP.
  EXPECT_EQ(network_.detached, std::vector<std::string>{pod->id});
  EXPECT_FALSE(restored->network_attached);
  EXPECT_TRUE(restarted->Stop(pod->id).ok());
  EXPECT_EQ(network_.detach_calls.size(), 1u);  // nothing left to detach
  EXPECT_EQ(restarted->Run(Spec("web")).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(restarted->Remove(pod->id).ok());
}

TEST_F(SandboxesTest, SharedPidNamespaceRunsAnInfraContainer) {
  FakeMembers members;
  sandboxes_->SetMembers(&members);
  SandboxSpec spec = Spec("shared");
  spec.pid_mode = NamespaceMode::kPod;
  auto pod = sandboxes_->Run(spec);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->infra_id, "infra-" + pod->id);
  EXPECT_EQ(pod->infra_pid, 77);
  EXPECT_EQ(members.infra_netns, pod->netns_path);  // started inside the pod's namespaces
  ASSERT_TRUE(sandboxes_->Stop(pod->id).ok());
  ASSERT_TRUE(sandboxes_->Remove(pod->id).ok());
  EXPECT_EQ(members.stopped, std::vector<std::string>{pod->id});
  EXPECT_EQ(members.removed, std::vector<std::string>{pod->id});

  members.infra_result = absl::NotFoundError("pause image missing");
  SandboxSpec other = Spec("other");
  other.pid_mode = NamespaceMode::kPod;
  auto failed = sandboxes_->Run(other);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("start the infra container: pause image missing"),
            std::string::npos);
  EXPECT_TRUE(isolation_.pins.empty());
  EXPECT_TRUE(sandboxes_->List({}).empty());
}

TEST_F(SandboxesTest, KeepingInfraContainersGivesEveryPodOne) {
  FakeMembers members;
  auto sandboxes =
      std::make_unique<Sandboxes>(SandboxesOptions{.run_root = dir_.Join("run"),
                                                   .namespaces_dir = dir_.Join("ns"),
                                                   .log_dir = dir_.Join("logs"),
                                                   .runtime_handlers = {"runc"},
                                                   .drop_infra_ctr = false,
                                                   .host_resolv_conf = dir_.Join("etc/resolv.conf"),
                                                   .host_hosts = dir_.Join("etc/hosts")},
                                  *store_, network_, isolation_);
  sandboxes->SetMembers(&members);
  auto pod = sandboxes->Run(Spec("plain"));  // pid mode CONTAINER
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->infra_id, "infra-" + pod->id);
}

TEST_F(SandboxesTest, RebootWithAFailingDelLeavesItToStop) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  network_.detach_result = absl::InternalError("plugin missing");
  auto restarted = Make("boot-2");
  ASSERT_TRUE(restarted->Restore().ok());
  EXPECT_EQ(restarted->Get(pod->id)->state, SandboxState::kNotReady);
  EXPECT_TRUE(restarted->Get(pod->id)->network_attached);
  network_.detach_result = absl::OkStatus();
  EXPECT_TRUE(restarted->Stop(pod->id).ok());
  EXPECT_EQ(network_.detached, std::vector<std::string>{pod->id});
}

// A row still marked `creating` is what a crio killed inside RunPodSandbox leaves.
TEST_F(SandboxesTest, RestoreUndoesARunCutShort) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  Sandbox intent = *pod;
  intent.creating = true;
  intent.netns_path.clear();  // the pins were made, but not yet recorded
  ASSERT_TRUE(store_->Save(intent).ok());
  auto restarted = Make("boot-1");
  ASSERT_TRUE(restarted->Restore().ok());
  EXPECT_EQ(restarted->Get(pod->id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(isolation_.pins.empty());
  EXPECT_TRUE(isolation_.mounts.empty());
  EXPECT_EQ(network_.detached, std::vector<std::string>{pod->id});
  EXPECT_FALSE(std::filesystem::exists(pod->run_dir));
  EXPECT_TRUE(store_->LoadAll(nullptr)->empty());
  EXPECT_TRUE(restarted->Run(Spec("web")).ok());  // the name is free
}

TEST_F(SandboxesTest, RestoreKeepsTheIntentWhileSomethingCannotBeUndone) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  Sandbox intent = *pod;
  intent.creating = true;
  ASSERT_TRUE(store_->Save(intent).ok());
  network_.detach_result = absl::InternalError("DEL failed");
  ASSERT_TRUE(Make("boot-1")->Restore().ok());
  ASSERT_EQ(store_->LoadAll(nullptr)->size(), 1u);  // the next start-up tries again
  network_.detach_result = absl::OkStatus();
  ASSERT_TRUE(Make("boot-1")->Restore().ok());
  EXPECT_TRUE(store_->LoadAll(nullptr)->empty());
}

TEST_F(SandboxesTest, RestoreSweepsLeftoversOfUnknownPodsOnly) {
  const std::string lost(64, 'a');
  isolation_.pins = {dir_.Join("ns/netns/" + lost), dir_.Join("ns/utsns/" + lost),
                     dir_.Join("ns/netns/cni-1234-other-runtime")};
  network_.attached.push_back({.pod_id = lost, .netns = dir_.Join("ns/netns/" + lost)});
  network_.attached.push_back({.pod_id = std::string(64, 'b'), .netns = "/var/run/netns/x"});
  dir_.WriteFile("run/pods/" + lost + "/hostname", "lost\n");
  dir_.WriteFile("run/pods/not-a-pod/keep", "");
  auto kept = sandboxes_->Run(Spec("kept"));
  ASSERT_TRUE(kept.ok());

  auto restarted = Make("boot-1");
  ASSERT_TRUE(restarted->Restore().ok());
  EXPECT_EQ(isolation_.pins.size(), 4u);  // the kept pod's three and the foreign one
  EXPECT_TRUE(isolation_.pins.contains(dir_.Join("ns/netns/cni-1234-other-runtime")));
  EXPECT_FALSE(isolation_.pins.contains(dir_.Join("ns/netns/" + lost)));
  EXPECT_EQ(network_.detached, std::vector<std::string>{lost});  // not the foreign netns
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("run/pods/" + lost)));
  EXPECT_TRUE(std::filesystem::exists(dir_.Join("run/pods/not-a-pod/keep")));
  EXPECT_EQ(restarted->Get(kept->id)->state, SandboxState::kReady);
}

TEST_F(SandboxesTest, ARetryGetsThePodItsCallerNeverReceived) {
  const Caller gone{.gone = [] { return true; }};
  auto first = sandboxes_->Run(Spec("web"), gone);
  ASSERT_TRUE(first.ok());
  auto retry = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id, first->id);
  EXPECT_EQ(network_.attached.size(), 1u);  // built once
  // Handed over once: the name is taken from now on.
  EXPECT_EQ(sandboxes_->Run(Spec("web")).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SandboxesTest, ARetryWaitsForItsInFlightTwin) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  network_.on_attach = [released] { released.wait(); };
  std::atomic<bool> first_returned = false;
  auto first = std::async(std::launch::async, [&] {
    auto pod = sandboxes_->Run(Spec("web"), Caller{.gone = [&] { return true; }});
    first_returned = true;
    return pod;
  });
  auto retry = std::async(std::launch::async, [&] {
    while (network_.attached_count() == 0) std::this_thread::yield();  // the first is in flight
    return sandboxes_->Run(Spec("web"));
  });
  EXPECT_EQ(retry.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  release.set_value();
  auto built = first.get();
  auto retried = retry.get();
  ASSERT_TRUE(built.ok()) << built.status();
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->id, built->id);
}

TEST_F(SandboxesTest, ARetryGivesUpAtItsDeadline) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  network_.on_attach = [released] { released.wait(); };
  auto first = std::async(std::launch::async, [&] { return sandboxes_->Run(Spec("web")); });
  while (network_.attached_count() == 0) std::this_thread::yield();
  auto retry = sandboxes_->Run(Spec("web"), Caller{.deadline = std::chrono::steady_clock::now() +
                                                               std::chrono::milliseconds(50)});
  EXPECT_EQ(retry.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(retry.status().message().find("is still being created"), std::string::npos);
  release.set_value();
  EXPECT_TRUE(first.get().ok());
}

TEST_F(SandboxesTest, AHeldPodIsStoppedOnlyAfterTheHoldEnds) {
  auto pod = sandboxes_->Run(Spec("web"));
  ASSERT_TRUE(pod.ok());
  auto held = sandboxes_->Hold(pod->id, /*ready=*/true);
  ASSERT_TRUE(held.ok()) << held.status();
  std::optional<PodHold> hold(std::move(*held));
  auto stop = std::async(std::launch::async, [&] { return sandboxes_->Stop(pod->id); });
  EXPECT_EQ(stop.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  EXPECT_EQ(sandboxes_->Get(pod->id)->state, SandboxState::kReady);  // status does not wait
  hold.reset();
  EXPECT_TRUE(stop.get().ok());
  EXPECT_EQ(sandboxes_->Hold(pod->id, /*ready=*/true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(sandboxes_->Hold(pod->id, /*ready=*/false).ok());
}

TEST_F(SandboxesTest, UnknownRuntimeHandlerIsRefused) {
  SandboxSpec spec = Spec("web");
  spec.runtime_handler = "kata";
  auto pod = sandboxes_->Run(spec);
  EXPECT_EQ(pod.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(pod.status().message().find("\"kata\""), std::string::npos);
}

// A vm handler (CRI-O's kata) is valid configuration that crio cannot run: the pod gets an
// error naming it, and nothing is made.
TEST_F(SandboxesTest, AHandlerOfAnUnsupportedTypeIsRefusedNamingIt) {
  SandboxSpec spec = Spec("web");
  spec.runtime_handler = "kata-qemu";
  auto pod = sandboxes_->Run(spec);
  EXPECT_EQ(pod.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(pod.status().message(),
            "runtime handler \"kata-qemu\" has runtime_type \"vm\", which crio does not support");
  EXPECT_TRUE(sandboxes_->List({}).empty());
}

}  // namespace
}  // namespace crio::sandbox
