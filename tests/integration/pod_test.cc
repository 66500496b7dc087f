// Pods as an operator meets them: run a pod and reach it over its IP and host port, read
// the files crio made for it, refuse dangerous sysctls, survive a crio restart, and leave
// nothing behind after many pods came and went. Real crio, real CNI plugins (bridge,
// host-local, portmap), real namespaces.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cri_api.h"
#include "fmt/format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/crio_daemon.h"
#include "tests/integration/test_network.h"

namespace crio::testing {
namespace {

namespace v1 = runtime::v1;
namespace fs = std::filesystem;
using nlohmann::json;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return context;
}

std::string ReadText(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool IsMounted(const std::string& path) {
  return ReadText("/proc/self/mounts").find(" " + path + " ") != std::string::npos;
}

class PodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
    Start("");
  }

  void Start(const std::string& extra_toml) {
    crio_ = std::make_unique<CrioDaemon>(extra_toml);
    network_ = std::make_unique<TestCniNetwork>(crio_->network_dir(), crio_->dir().Join("ipam"));
    ASSERT_TRUE(crio_->Start()) << crio_->Log();
    Connect();
  }

  void Connect() {
    stub_ = v1::RuntimeService::NewStub(
        grpc::CreateChannel("unix:" + crio_->socket(), grpc::InsecureChannelCredentials()));
  }

  // Removes whatever pods a failed test left, while crio still runs.
  void TearDown() override {
    if (!crio_ || crio_->pid() < 0) return;
    const v1::ListPodSandboxResponse left = List();
    for (const v1::PodSandbox& pod : left.items()) Remove(pod.id());
    crio_.reset();
    network_.reset();
  }

  v1::PodSandboxConfig Config(const std::string& name) const {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid(name + "-uid");
    config.set_hostname(name);
    config.set_log_directory(crio_->dir().Join("logs/" + name));
    (*config.mutable_labels())["app"] = name;
    config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
        v1::CONTAINER);
    return config;
  }

  std::string Run(const v1::PodSandboxConfig& config, grpc::Status* status = nullptr) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    v1::RunPodSandboxResponse response;
    const grpc::Status result = stub_->RunPodSandbox(Context().get(), request, &response);
    if (status != nullptr) *status = result;
    EXPECT_TRUE(status != nullptr || result.ok()) << result.error_message();
    return response.pod_sandbox_id();
  }

  v1::PodSandboxStatusResponse Status(const std::string& id, grpc::Status* status = nullptr) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    request.set_verbose(true);
    v1::PodSandboxStatusResponse response;
    const grpc::Status result = stub_->PodSandboxStatus(Context().get(), request, &response);
    if (status != nullptr) *status = result;
    return response;
  }

  json Info(const std::string& id) { return json::parse(Status(id).info().at("info")); }

  grpc::Status Stop(const std::string& id) {
    v1::StopPodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    v1::StopPodSandboxResponse response;
    return stub_->StopPodSandbox(Context().get(), request, &response);
  }

  grpc::Status Remove(const std::string& id) {
    v1::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    v1::RemovePodSandboxResponse response;
    return stub_->RemovePodSandbox(Context().get(), request, &response);
  }

  v1::ListPodSandboxResponse List(const v1::PodSandboxFilter& filter = {}) {
    v1::ListPodSandboxRequest request;
    *request.mutable_filter() = filter;
    v1::ListPodSandboxResponse response;
    EXPECT_TRUE(stub_->ListPodSandbox(Context().get(), request, &response).ok());
    return response;
  }

  std::vector<std::string> PinnedNetns() const {
    std::vector<std::string> pins;
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(crio_->dir().Join("run/ns/netns"), ignored)) {
      pins.push_back(entry.path().string());
    }
    return pins;
  }

  std::unique_ptr<TestCniNetwork> network_;
  std::unique_ptr<CrioDaemon> crio_;
  std::unique_ptr<v1::RuntimeService::Stub> stub_;
};

TEST_F(PodTest, PodIsReachableOnItsIpAndHostPort) {
  v1::PodSandboxConfig config = Config("web");
  v1::PortMapping* mapping = config.add_port_mappings();
  mapping->set_container_port(8080);
  mapping->set_host_port(network_->host_port());
  const std::string id = Run(config);
  ASSERT_FALSE(id.empty());

  const v1::PodSandboxStatus status = Status(id).status();
  EXPECT_EQ(status.state(), v1::SANDBOX_READY);
  const std::string ip = status.network().ip();
  ASSERT_TRUE(ip.starts_with(network_->subnet_prefix())) << ip;
  EXPECT_EQ(List().items_size(), 1);

  const json info = Info(id);
  const std::string netns = info["namespaces"]["network"];
  EXPECT_EQ(netns, crio_->dir().Join("run/ns/netns/" + id));

  NetnsListener listener(netns, 8080, "hello from the pod");
  ASSERT_TRUE(listener.ok());
  EXPECT_EQ(ReadFrom(ip, 8080), "hello from the pod");
  EXPECT_EQ(ReadFrom(network_->gateway(), network_->host_port()), "hello from the pod");
  EXPECT_EQ(CountBridgePorts(network_->bridge()), 1);

  ASSERT_TRUE(Stop(id).ok());
  EXPECT_EQ(Status(id).status().state(), v1::SANDBOX_NOTREADY);
  EXPECT_TRUE(PinnedNetns().empty());
  EXPECT_EQ(CountBridgePorts(network_->bridge()), 0);
  EXPECT_EQ(CountNatRules(network_->subnet_prefix()), 0);
  EXPECT_EQ(ReadFrom(network_->gateway(), network_->host_port(), std::chrono::seconds(1)), "");
  ASSERT_TRUE(Remove(id).ok());
  EXPECT_EQ(List().items_size(), 0);
}

// network.bats "Connect to pod hostport from the host" with a CNI network that has no portmap
// plugin: crio maps the host port itself (CRI-O's hostport manager) and holds it, so a second
// pod cannot take it; all of it goes at the pod's stop.
TEST_F(PodTest, CrioMapsHostPortsWithoutThePortmapPlugin) {
  const std::string conflist_path = crio_->network_dir() + "/10-test.conflist";
  json conflist = json::parse(ReadText(conflist_path));
  json plugins = json::array();
  for (const json& plugin : conflist["plugins"]) {
    if (plugin["type"] != "portmap") plugins.push_back(plugin);
  }
  conflist["plugins"] = plugins;
  std::ofstream(conflist_path) << conflist.dump();
  crio_->Stop();
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();

  v1::PodSandboxConfig config = Config("web");
  v1::PortMapping* mapping = config.add_port_mappings();
  mapping->set_container_port(8080);
  mapping->set_host_port(network_->host_port());
  const std::string id = Run(config);
  ASSERT_FALSE(id.empty()) << crio_->Log();
  const std::string netns = Info(id)["namespaces"]["network"];
  NetnsListener listener(netns, 8080, "hello from the pod");
  ASSERT_TRUE(listener.ok());
  EXPECT_EQ(ReadFrom(network_->gateway(), network_->host_port()), "hello from the pod");
  EXPECT_EQ(CountNatRules(network_->subnet_prefix()), 2) << "the hairpin mark and the DNAT";

  v1::PodSandboxConfig rival = Config("rival");
  *rival.add_port_mappings() = *mapping;
  v1::RunPodSandboxRequest request;
  *request.mutable_config() = rival;
  v1::RunPodSandboxResponse response;
  const grpc::Status taken = stub_->RunPodSandbox(Context().get(), request, &response);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << taken.error_message();
  EXPECT_NE(taken.error_message().find("cannot open hostport " +
                                       std::to_string(network_->host_port())),
            std::string::npos)
      << taken.error_message();
  EXPECT_EQ(CountNatRules(network_->subnet_prefix()), 2) << "the failed pod left nothing";

  ASSERT_TRUE(Stop(id).ok());
  EXPECT_EQ(CountNatRules(network_->subnet_prefix()), 0);
  EXPECT_EQ(ReadFrom(network_->gateway(), network_->host_port(), std::chrono::seconds(1)), "");
  ASSERT_TRUE(Remove(id).ok());
  const std::string rival_id = Run(rival);
  EXPECT_FALSE(rival_id.empty()) << "the host port is free again";
  if (!rival_id.empty()) {
    EXPECT_TRUE(Remove(rival_id).ok());
  }
}

TEST_F(PodTest, PodFilesCarryDnsHostnameAndHosts) {
  v1::PodSandboxConfig config = Config("files");
  config.set_hostname("files-0");
  config.mutable_dns_config()->add_servers("10.96.0.10");
  config.mutable_dns_config()->add_searches("default.svc.cluster.local");
  config.mutable_dns_config()->add_options("ndots:5");
  const std::string id = Run(config);
  ASSERT_FALSE(id.empty());
  const json info = Info(id);
  EXPECT_EQ(ReadText(info["hostnamePath"]), "files-0\n");
  EXPECT_EQ(ReadText(info["resolvPath"]),
            "search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
  const std::string ip = Status(id).status().network().ip();
  EXPECT_NE(ReadText(info["hostsPath"]).find(ip + "\tfiles-0\n"), std::string::npos);
  EXPECT_TRUE(IsMounted(info["shmPath"]));
  EXPECT_EQ(info["networkCheck"], "ok");  // CNI CHECK through bridge and portmap
  EXPECT_TRUE(fs::is_directory(crio_->dir().Join("logs/files")));

  const RunResult hostname =
      RunCommand({"nsenter", "--uts=" + info["namespaces"]["uts"].get<std::string>(), "hostname"});
  EXPECT_EQ(hostname.out, "files-0\n");

  ASSERT_TRUE(Remove(id).ok());  // stops first
  EXPECT_FALSE(IsMounted(info["shmPath"]));
  EXPECT_FALSE(fs::exists(info["runDir"].get<std::string>()));
}

TEST_F(PodTest, HostNetworkPodSkipsCni) {
  v1::PodSandboxConfig config = Config("node");
  auto* namespaces =
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_network(v1::NODE);
  namespaces->set_ipc(v1::NODE);
  const std::string id = Run(config);
  ASSERT_FALSE(id.empty());
  const v1::PodSandboxStatusResponse status = Status(id);
  EXPECT_EQ(status.status().network().ip(), "");
  EXPECT_EQ(status.status().linux().namespaces().options().network(), v1::NODE);
  const json info = Info(id);
  EXPECT_EQ(info["namespaces"]["network"], "");
  EXPECT_EQ(info["shmPath"], "/dev/shm");
  EXPECT_EQ(ReadText(info["hostsPath"]), ReadText("/etc/hosts"));
  EXPECT_EQ(CountBridgePorts(network_->bridge()), 0);
  ASSERT_TRUE(Remove(id).ok());
}

TEST_F(PodTest, SysctlsAreCheckedThenSetInsideThePodOnly) {
  v1::PodSandboxConfig config = Config("sysctl");
  // CVE-2022-0811: a value smuggling a second, host-wide setting.
  (*config.mutable_linux()->mutable_sysctls())["kernel.shm_rmid_forced"] =
      "1+kernel.core_pattern=|/tmp/evil";
  grpc::Status status;
  Run(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("kernel.shm_rmid_forced"), std::string::npos);
  config.mutable_linux()->mutable_sysctls()->clear();
  (*config.mutable_linux()->mutable_sysctls())["kernel.core_pattern"] = "|/tmp/evil";
  Run(config, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("not namespaced"), std::string::npos);
  EXPECT_EQ(List().items_size(), 0);
  EXPECT_TRUE(PinnedNetns().empty());

  config.mutable_linux()->mutable_sysctls()->clear();
  (*config.mutable_linux()->mutable_sysctls())["net.ipv4.ip_unprivileged_port_start"] = "0";
  const std::string host_value = ReadText("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  const std::string id = Run(config);
  ASSERT_FALSE(id.empty());
  const std::string netns = Info(id)["namespaces"]["network"];
  const RunResult inside = RunCommand(
      {"nsenter", "--net=" + netns, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"});
  EXPECT_EQ(inside.out, "0\n");
  EXPECT_EQ(ReadText("/proc/sys/net/ipv4/ip_unprivileged_port_start"), host_value);
  ASSERT_TRUE(Remove(id).ok());

  // With the host's IPC and network namespaces, their sysctls are skipped, as CRI-O skips
  // them: the pod runs and the host keeps its values.
  config.mutable_linux()->mutable_sysctls()->clear();
  (*config.mutable_linux()->mutable_sysctls())["net.ipv4.ip_unprivileged_port_start"] = "0";
  (*config.mutable_linux()->mutable_sysctls())["kernel.shm_rmid_forced"] = "1";
  auto* host = config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  host->set_network(v1::NODE);
  host->set_ipc(v1::NODE);
  const std::string shm_host_value = ReadText("/proc/sys/kernel/shm_rmid_forced");
  const std::string host_pod = Run(config);
  ASSERT_FALSE(host_pod.empty());
  EXPECT_EQ(ReadText("/proc/sys/net/ipv4/ip_unprivileged_port_start"), host_value);
  EXPECT_EQ(ReadText("/proc/sys/kernel/shm_rmid_forced"), shm_host_value);
  ASSERT_TRUE(Remove(host_pod).ok());
}

TEST_F(PodTest, SameMetadataTwiceIsRefusedAndBadRequestsCreateNothing) {
  const std::string id = Run(Config("twice"));
  ASSERT_FALSE(id.empty());
  grpc::Status status;
  Run(Config("twice"), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find(id), std::string::npos);

  v1::PodSandboxConfig nameless = Config("");
  Run(nameless, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List().items_size(), 1);

  EXPECT_TRUE(Stop("0123456789abcdef").ok());  // unknown: not an error for Stop
  EXPECT_TRUE(Remove("0123456789abcdef").ok());
  Status("0123456789abcdef", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Stop(id).ok());
  ASSERT_TRUE(Stop(id).ok());
  ASSERT_TRUE(Remove(id).ok());
  ASSERT_TRUE(Remove(id).ok());
}

TEST_F(PodTest, ListFiltersByIdStateAndLabels) {
  const std::string web = Run(Config("web"));
  const std::string db = Run(Config("db"));
  ASSERT_TRUE(Stop(db).ok());
  v1::PodSandboxFilter filter;
  filter.mutable_state()->set_state(v1::SANDBOX_READY);
  ASSERT_EQ(List(filter).items_size(), 1);
  EXPECT_EQ(List(filter).items(0).id(), web);
  filter.Clear();
  (*filter.mutable_label_selector())["app"] = "db";
  ASSERT_EQ(List(filter).items_size(), 1);
  EXPECT_EQ(List(filter).items(0).id(), db);
  filter.Clear();
  filter.set_id(web.substr(0, 12));
  ASSERT_EQ(List(filter).items_size(), 1);
  EXPECT_EQ(List(filter).items(0).id(), web);

  v1::StreamPodSandboxesRequest stream_request;  // the streaming form of the same list
  stream_request.mutable_filter()->mutable_state()->set_state(v1::SANDBOX_NOTREADY);
  auto context = Context();
  auto stream = stub_->StreamPodSandboxes(context.get(), stream_request);
  v1::StreamPodSandboxesResponse chunk;
  std::vector<std::string> streamed;
  while (stream->Read(&chunk)) {
    for (const v1::PodSandbox& pod : chunk.pod_sandboxes()) streamed.push_back(pod.id());
  }
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(streamed, std::vector<std::string>{db});
}

TEST_F(PodTest, PodsSurviveCrioBeingKilled) {
  const std::string id = Run(Config("survivor"));
  ASSERT_FALSE(id.empty());
  const std::string ip = Status(id).status().network().ip();
  crio_->Signal(SIGKILL);
  crio_->Stop();  // reaps it
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  const v1::PodSandboxStatusResponse status = Status(id);
  EXPECT_EQ(status.status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(status.status().network().ip(), ip);
  NetnsListener listener(Info(id)["namespaces"]["network"], 8080, "still here");
  EXPECT_EQ(ReadFrom(ip, 8080), "still here");
  ASSERT_TRUE(Remove(id).ok());
  EXPECT_TRUE(PinnedNetns().empty());
  EXPECT_EQ(CountBridgePorts(network_->bridge()), 0);
}

TEST_F(PodTest, CrioWipeRemovesPodsAfterARebootOnly) {
  crio_->dir().WriteFile("crio.conf.d/60-wipe.conf",
                         fmt::format("[crio]\ninternal_wipe = false\nversion_file_persist = {:?}\n",
                                     crio_->dir().Join("lib/version-persist")));
  crio_->Stop();
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  const std::string id = Run(Config("wiped"));
  ASSERT_FALSE(id.empty());
  const auto wipe = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = crio_->Command({"wipe"});
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, std::chrono::seconds(60));
  };
  const RunResult refused = wipe({"--force"});  // not while crio runs
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("crio is running"), std::string::npos) << refused.err;

  ASSERT_EQ(crio_->Stop(), 0);
  EXPECT_TRUE(fs::exists(crio_->dir().Join("lib/clean.shutdown")));  // a graceful stop
  const RunResult unchanged = wipe({});
  EXPECT_EQ(unchanged.exit_code, 0) << unchanged.err;
  EXPECT_NE(unchanged.out.find("nothing to wipe"), std::string::npos) << unchanged.out;
  // Only the persistent file gone (an old crio's layout, says CRI-O): no reboot, no wipe.
  fs::remove(crio_->dir().Join("lib/version-persist"));
  const RunResult persist_only = wipe({});
  EXPECT_EQ(persist_only.exit_code, 0) << persist_only.err;
  EXPECT_NE(persist_only.out.find("nothing to wipe"), std::string::npos) << persist_only.out;

  fs::remove(crio_->dir().Join("run/version"));  // what a reboot does to the tmpfs file
  const RunResult wiped = wipe({});
  EXPECT_EQ(wiped.exit_code, 0) << wiped.err;
  EXPECT_NE(wiped.out.find("removed 1 pods"), std::string::npos) << wiped.out << wiped.err;
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  EXPECT_EQ(List().items_size(), 0);
  EXPECT_TRUE(PinnedNetns().empty());
  EXPECT_EQ(CountBridgePorts(network_->bridge()), 0);
}

TEST_F(PodTest, InternalWipeRemovesPodsOfAnEarlierBootAtStart) {
  const std::string id = Run(Config("rebooted"));
  ASSERT_FALSE(id.empty());
  crio_->Signal(SIGKILL);  // and no clean shutdown either
  crio_->Stop();
  fs::remove(crio_->dir().Join("run/version"));
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  EXPECT_TRUE(crio_->WaitForLog("did not shut down cleanly")) << crio_->Log();
  EXPECT_TRUE(crio_->WaitForLog("Wiped 1 pods")) << crio_->Log();
  // After an unclean shutdown, the images of crio's containers go too.
  EXPECT_TRUE(crio_->WaitForLog("(the node rebooted after crio did not shut down cleanly)"))
      << crio_->Log();
  EXPECT_EQ(List().items_size(), 0);
  EXPECT_TRUE(PinnedNetns().empty());
  // The version file is written again: the next start wipes nothing.
  EXPECT_TRUE(fs::exists(crio_->dir().Join("run/version")));
}

TEST_F(PodTest, ManyPodsComeAndGoWithoutLeaks) {
  constexpr int kPods = 200;
  for (int i = 0; i < kPods; ++i) {
    v1::PodSandboxConfig config = Config("churn");
    config.mutable_metadata()->set_attempt(static_cast<uint32_t>(i));
    v1::PortMapping* mapping = config.add_port_mappings();
    mapping->set_container_port(80);
    mapping->set_host_port(network_->host_port());
    const std::string id = Run(config);
    ASSERT_FALSE(id.empty()) << "pod " << i;
    ASSERT_TRUE(Stop(id).ok());
    ASSERT_TRUE(Remove(id).ok());
  }
  EXPECT_EQ(List().items_size(), 0);
  EXPECT_TRUE(PinnedNetns().empty());
  EXPECT_EQ(CountBridgePorts(network_->bridge()), 0);
  EXPECT_EQ(CountNatRules(network_->subnet_prefix()), 0);
  // Nothing is mounted under crio's dirs but the storage's home, which crio holds while it runs.
  std::istringstream mounts(ReadText("/proc/self/mounts"));
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(" " + crio_->dir().Join("lib/overlay") + " ") != std::string::npos) continue;
    EXPECT_EQ(line.find(crio_->dir().path()), std::string::npos) << line;
  }
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/var/lib/cni/results", ignored)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(network_->name() + "-"))
        << entry.path();
  }
  EXPECT_TRUE(fs::is_empty(crio_->dir().Join("run/storage/pods")));
}

TEST_F(PodTest, CrioctlRunsListsInspectsAndRemovesPods) {
  auto crioctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinPath("crioctl"), "-r", crio_->endpoint()});
    return RunCommand(args, std::chrono::seconds(60));
  };
  const std::string config =
      crio_->dir().WriteFile("pod.yaml",
                             "metadata:\n  name: cli\n  namespace: default\n  uid: cli-uid\n"
                             "hostname: cli\nlabels:\n  tier: front\n"
                             "linux:\n  security_context:\n    namespace_options:\n      pid: 1\n");
  const RunResult run = crioctl({"runp", config});
  ASSERT_EQ(run.exit_code, 0) << run.err << crio_->Log();
  const std::string id = run.out.substr(0, run.out.find('\n'));
  ASSERT_EQ(id.size(), 64u);

  const RunResult pods = crioctl({"pods", "--label", "tier=front"});
  ASSERT_EQ(pods.exit_code, 0) << pods.err;
  EXPECT_NE(pods.out.find(id.substr(0, 13)), std::string::npos) << pods.out;
  EXPECT_NE(pods.out.find("Ready"), std::string::npos) << pods.out;

  const RunResult inspect = crioctl({"inspectp", id});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const json inspected = json::parse(inspect.out);
  EXPECT_EQ(inspected["status"]["state"], "SANDBOX_READY");
  EXPECT_EQ(inspected["info"]["namespaces"]["network"], crio_->dir().Join("run/ns/netns/" + id));

  EXPECT_EQ(crioctl({"rmp", id}).exit_code, 1);  // running: refused without --force
  ASSERT_EQ(crioctl({"stopp", id}).exit_code, 0);
  const RunResult removed = crioctl({"rmp", id});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "Removed sandbox " + id + "\n");
  EXPECT_EQ(crioctl({"pods", "-q"}).out, "");
}

TEST(DefaultNetworkTest, FreshMachineGetsTheContribBridgeNetworkOnce) {
  if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  CrioDaemon crio("[crio.network]\nplugin_dirs = [\"/usr/lib/cni\"]\n");
  const std::string script = std::string(CRIO_SOURCE_DIR) + "/scripts/install-cni-config.sh";
  ASSERT_EQ(RunCommand({script, crio.network_dir()}).exit_code, 0);
  const std::string installed = crio.network_dir() + "/11-crio-ipv4-bridge.conflist";
  ASSERT_TRUE(fs::exists(installed));
  ASSERT_TRUE(crio.Start()) << crio.Log();
  auto stub = v1::RuntimeService::NewStub(
      grpc::CreateChannel("unix:" + crio.socket(), grpc::InsecureChannelCredentials()));
  v1::StatusResponse status;
  ASSERT_TRUE(stub->Status(Context().get(), v1::StatusRequest(), &status).ok());
  EXPECT_TRUE(status.status().conditions(1).status()) << status.status().conditions(1).message();
  EXPECT_TRUE(crio.WaitForLog("CNI network crio (" + installed + ") is ready"));

  // An operator's own network is never joined by ours.
  fs::remove(installed);
  std::ofstream(crio.network_dir() + "/05-mine.conf") << "{}";
  ASSERT_EQ(RunCommand({script, crio.network_dir()}).exit_code, 0);
  EXPECT_FALSE(fs::exists(installed));
  EXPECT_EQ(crio.Stop(), 0);
}

TEST(PodCniFailureTest, FailedPluginRollsThePodBack) {
  if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  TempDir plugins;
  plugins.WriteFile("crio-test-fail",
                    "#!/bin/sh\ncat >/dev/null\n[ \"$CNI_COMMAND\" = ADD ] || exit 0\n"
                    "echo '{\"code\":100,\"msg\":\"out of cheese\"}'\nexit 1\n");
  fs::permissions(plugins.Join("crio-test-fail"), fs::perms::owner_all);
  CrioDaemon crio("[crio.network]\nplugin_dirs = [\"/usr/lib/cni\", \"" + plugins.path() + "\"]\n");
  TestCniNetwork network(crio.network_dir(), crio.dir().Join("ipam"));
  // The bridge attaches the pod, then the failing plugin makes crio undo it.
  std::string conflist = ReadText(crio.network_dir() + "/10-test.conflist");
  conflist.replace(conflist.find("\"portmap\""), 9, "\"crio-test-fail\"");
  std::ofstream(crio.network_dir() + "/10-test.conflist") << conflist;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  auto stub = v1::RuntimeService::NewStub(
      grpc::CreateChannel("unix:" + crio.socket(), grpc::InsecureChannelCredentials()));

  v1::RunPodSandboxRequest request;
  request.mutable_config()->mutable_metadata()->set_name("doomed");
  request.mutable_config()->mutable_metadata()->set_namespace_("default");
  request.mutable_config()->mutable_metadata()->set_uid("doomed-uid");
  v1::RunPodSandboxResponse response;
  const grpc::Status status = stub->RunPodSandbox(Context().get(), request, &response);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error_message().find("out of cheese"), std::string::npos)
      << status.error_message();

  v1::ListPodSandboxResponse pods;
  ASSERT_TRUE(stub->ListPodSandbox(Context().get(), v1::ListPodSandboxRequest(), &pods).ok());
  EXPECT_EQ(pods.items_size(), 0);
  EXPECT_EQ(CountBridgePorts(network.bridge()), 0);
  EXPECT_TRUE(fs::is_empty(crio.dir().Join("run/ns/netns")));
  EXPECT_TRUE(fs::is_empty(crio.dir().Join("run/storage/pods")));
  // host-local gave the address back.
  for (const auto& lease : fs::directory_iterator(crio.dir().Join("ipam/" + network.name()))) {
    EXPECT_TRUE(lease.path().filename() == "lock" ||
                lease.path().filename().string().starts_with("last_reserved_ip"))
        << lease.path();
  }
  EXPECT_EQ(crio.Stop(), 0);
}

// crio-wipe.bats "internal_wipe eventually cleans network on forced restart of crio if
// network is slow to come up": a pod the start-up wipe cannot remove, because its CNI plugin
// fails DEL for now, is retried in the background until its network is detached and it is gone.
TEST(PodCniFailureTest, AWipeRetriesPodsItCouldNotRemoveYet) {
  if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  TempDir plugins;
  const std::string not_ready = plugins.Join("not-ready");
  plugins.WriteFile("crio-test-flaky",
                    fmt::format("#!/bin/sh\nif [ \"$CNI_COMMAND\" = DEL ] && [ -e {} ]; then\n"
                                "  cat >/dev/null; echo '{{\"code\":11,\"msg\":\"not ready\"}}'\n"
                                "  exit 1\nfi\nexec /usr/lib/cni/portmap\n",
                                not_ready));
  fs::permissions(plugins.Join("crio-test-flaky"), fs::perms::owner_all);
  CrioDaemon crio("[crio.network]\nplugin_dirs = [\"/usr/lib/cni\", \"" + plugins.path() +
                  "\"]\n");
  TestCniNetwork network(crio.network_dir(), crio.dir().Join("ipam"));
  std::string conflist = ReadText(crio.network_dir() + "/10-test.conflist");
  conflist.replace(conflist.find("\"portmap\""), 9, "\"crio-test-flaky\"");
  std::ofstream(crio.network_dir() + "/10-test.conflist") << conflist;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  auto connect = [&crio] {
    return v1::RuntimeService::NewStub(
        grpc::CreateChannel("unix:" + crio.socket(), grpc::InsecureChannelCredentials()));
  };
  auto stub = connect();
  v1::RunPodSandboxRequest request;
  request.mutable_config()->mutable_metadata()->set_name("left");
  request.mutable_config()->mutable_metadata()->set_namespace_("default");
  request.mutable_config()->mutable_metadata()->set_uid("left-uid");
  request.mutable_config()->mutable_linux()->mutable_security_context()->mutable_namespace_options()
      ->set_pid(v1::NamespaceMode::CONTAINER);  // no infra container
  v1::RunPodSandboxResponse response;
  const grpc::Status ran = stub->RunPodSandbox(Context().get(), request, &response);
  ASSERT_TRUE(ran.ok()) << ran.error_message();
  const auto pods = [&stub] {
    v1::ListPodSandboxResponse listed;
    EXPECT_TRUE(stub->ListPodSandbox(Context().get(), v1::ListPodSandboxRequest(), &listed).ok());
    return listed.items_size();
  };

  crio.Signal(SIGKILL);
  crio.Stop();
  std::ofstream(not_ready).put('\n');
  fs::remove(crio.dir().Join("run/version"));  // a reboot, as far as the wipe can tell
  ASSERT_TRUE(crio.Start()) << crio.Log();
  stub = connect();
  EXPECT_TRUE(crio.WaitForLog("pods are left, retried in the background")) << crio.Log();
  EXPECT_EQ(pods(), 1);

  fs::remove(not_ready);  // the plugin is ready now
  EXPECT_TRUE(crio.WaitForLog("which the wipe at start-up left")) << crio.Log();
  EXPECT_EQ(pods(), 0);
  EXPECT_EQ(CountBridgePorts(network.bridge()), 0);
  EXPECT_TRUE(fs::is_empty(crio.dir().Join("run/ns/netns")));
  EXPECT_EQ(crio.Stop(), 0);
}

}  // namespace
}  // namespace crio::testing
