// The foundation as an operator meets it: start crio, ask it who it is and whether it is
// ready (over gRPC, crioctl and curl), reload it, stop it, and feed it bad configuration.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cri_api.h"
#include "fmt/format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/free_port.h"
#include "tests/integration/crio_daemon.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = runtime::v1;
using nlohmann::json;

std::unique_ptr<v1::RuntimeService::Stub> RuntimeStub(const CrioDaemon& crio) {
  return v1::RuntimeService::NewStub(
      grpc::CreateChannel("unix:" + crio.socket(), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  }
};

TEST_F(DaemonTest, AnswersVersionStatusAndRuntimeConfigOverGrpc) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  auto stub = RuntimeStub(crio);

  v1::VersionResponse version;
  ASSERT_TRUE(stub->Version(Context().get(), v1::VersionRequest(), &version).ok());
  EXPECT_EQ(version.runtime_name(), "crio");
  EXPECT_EQ(version.runtime_api_version(), "v1");
  EXPECT_FALSE(version.runtime_version().empty());

  v1::StatusRequest status_request;
  status_request.set_verbose(true);
  v1::StatusResponse status;
  ASSERT_TRUE(stub->Status(Context().get(), status_request, &status).ok());
  ASSERT_EQ(status.status().conditions_size(), 2);
  EXPECT_TRUE(status.status().conditions(0).status());
  const v1::RuntimeCondition& network = status.status().conditions(1);
  EXPECT_EQ(network.type(), "NetworkReady");
  EXPECT_FALSE(network.status());  // the temp network dir is empty
  EXPECT_EQ(network.reason(), "NetworkPluginNotReady");
  EXPECT_NE(network.message().find(crio.network_dir()), std::string::npos);
  const json config = json::parse(status.info().at("config"));
  EXPECT_NE(config.dump().find(crio.socket()), std::string::npos);

  v1::RuntimeConfigResponse runtime_config;
  ASSERT_TRUE(
      stub->RuntimeConfig(Context().get(), v1::RuntimeConfigRequest(), &runtime_config).ok());
  const bool systemd_running = access("/run/systemd/system", F_OK) == 0;
  EXPECT_EQ(runtime_config.linux().cgroup_driver(), systemd_running ? v1::SYSTEMD : v1::CGROUPFS);
  EXPECT_EQ(crio.Stop(), 0);
}

// namespaces.bats "KUBENSMNT mount namespace": crio runs in the pinned mount namespace
// KUBENSMNT names, and in its parent's when that is no such pin.
TEST_F(DaemonTest, KubensmntChoosesTheMountNamespace) {
  TempDir pins;
  struct Unmounts {  // newest first, however the test ends
    std::vector<std::string> paths;
    ~Unmounts() {
      for (auto path = paths.rbegin(); path != paths.rend(); ++path) {
        EXPECT_EQ(RunCommand({"umount", *path}).exit_code, 0) << *path;
      }
    }
  } unmounts;
  ASSERT_EQ(RunCommand({"mount", "--bind", pins.path(), pins.path()}).exit_code, 0);
  unmounts.paths.push_back(pins.path());
  ASSERT_EQ(RunCommand({"mount", "--make-private", pins.path()}).exit_code, 0);
  const std::string pin = pins.WriteFile("mnt", "");
  const std::string not_a_pin = pins.WriteFile("plain", "");
  const RunResult pinned = RunCommand({"unshare", "--mount=" + pin, "true"});
  ASSERT_EQ(pinned.exit_code, 0) << pinned.err;
  unmounts.paths.push_back(pin);
  const auto ns_of = [](const std::string& proc_path) {
    return fs::read_symlink(proc_path).string();
  };
  struct stat pinned_ns {};
  ASSERT_EQ(::stat(pin.c_str(), &pinned_ns), 0);
  const std::string own = ns_of("/proc/self/ns/mnt");
  for (const auto& [value, expected] :
       {std::pair{pin, fmt::format("mnt:[{}]", pinned_ns.st_ino)}, std::pair{not_a_pin, own},
        std::pair{pins.Join("missing"), own}}) {
    SCOPED_TRACE(value);
    ::setenv("KUBENSMNT", value.c_str(), 1);
    CrioDaemon crio;
    const bool started = crio.Start();
    ::unsetenv("KUBENSMNT");
    ASSERT_TRUE(started) << crio.Log();
    EXPECT_EQ(ns_of(fmt::format("/proc/{}/ns/mnt", crio.pid())), expected);
    if (expected == own) {
      EXPECT_TRUE(crio.WaitForLog("KUBENSMNT: the mount namespace " + value + " was not joined"))
          << crio.Log();
    }
    EXPECT_EQ(crio.Stop(), 0);
  }
}

TEST_F(DaemonTest, NetworkBecomesReadyWhenACniConfigAppears) {
  CrioDaemon crio("[crio.network]\nplugin_dirs = [\"/usr/lib/cni\"]\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  crio.dir().WriteFile("net.d/10-test.conflist",
                       R"({"cniVersion":"1.0.0","name":"test","plugins":[{"type":"loopback"}]})");
  // crio notices through inotify, so give it a moment.
  v1::StatusResponse status;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(RuntimeStub(crio)->Status(Context().get(), v1::StatusRequest(), &status).ok());
    if (status.status().conditions(1).status()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(status.status().conditions(1).status()) << status.status().conditions(1).message();
}

TEST_F(DaemonTest, PendingFeaturesAnswerUnimplemented) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  v1::CheckpointContainerRequest checkpoint;
  checkpoint.set_container_id("abc");
  v1::CheckpointContainerResponse response;
  const grpc::Status status =
      RuntimeStub(crio)->CheckpointContainer(Context().get(), checkpoint, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("checkpoint"), std::string::npos);
}

TEST_F(DaemonTest, MetricsCountCriCallsOnTheMetricsPort) {
  const int port = FreePort();
  CrioDaemon crio("[crio.metrics]\nenable_metrics = true\nmetrics_port = " + std::to_string(port) +
                  "\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  // Start() itself asked for the version until crio answered: count from here.
  const auto versions = [&] {
    const std::string text = RunCommand({"curl", "-sf", url}).out;
    const std::string key = "container_runtime_crio_operations_total{operation=\"Version\"} ";
    const size_t at = text.find(key);
    return at == std::string::npos ? -1 : std::atoi(text.c_str() + at + key.size());
  };
  const int before = versions();
  ASSERT_GE(before, 1);
  for (int i = 0; i < 3; ++i) {
    v1::VersionResponse version;
    ASSERT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());
  }
  v1::PodSandboxStatusRequest bad;  // no ID: an error to count
  v1::PodSandboxStatusResponse ignored;
  RuntimeStub(crio)->PodSandboxStatus(Context().get(), bad, &ignored);

  const RunResult pull = RunCommand({BinPath("crioctl"), "-r", crio.endpoint(), "pull",
                                     "127.0.0.1:1/nothing/here:1"});  // nobody listens there
  EXPECT_EQ(pull.exit_code, 1);
  const RunResult scraped = RunCommand({"curl", "-sf", url});
  ASSERT_EQ(scraped.exit_code, 0) << scraped.err << crio.Log();
  EXPECT_EQ(versions(), before + 3) << scraped.out;
  EXPECT_NE(
      scraped.out.find(
          "container_runtime_crio_operations_errors_total{operation=\"PodSandboxStatus\"} 1\n"),
      std::string::npos)
      << scraped.out;
  EXPECT_NE(scraped.out.find("container_runtime_crio_default_runtime{runtime=\"runc\"} 1"),
            std::string::npos);
  EXPECT_NE(scraped.out.find("process_resident_memory_bytes"), std::string::npos);
  EXPECT_NE(
      scraped.out.find("container_runtime_crio_image_pulls_failure_total{error=\"UNAVAILABLE\"} 1"),
      std::string::npos)
      << scraped.out;
  EXPECT_NE(RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                        "http://127.0.0.1:" + std::to_string(port) + "/other"})
                .out,
            "200");
}

// A self-signed certificate for CN `name` at DIR/name.crt and DIR/name.key.
std::pair<std::string, std::string> MakeCertificate(const TempDir& dir, const std::string& name) {
  const std::string cert = dir.Join(name + ".crt"), key = dir.Join(name + ".key");
  const RunResult made =
      RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=" + name, "-keyout", key, "-out", cert});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  return {cert, key};
}

TEST_F(DaemonTest, MetricsOverHttpsWithTheSelectedCollectors) {
  const int port = FreePort();
  TempDir dir;
  const auto [cert, key] = MakeCertificate(dir, "first");
  const std::string served_cert = dir.Join("served.crt"), served_key = dir.Join("served.key");
  std::filesystem::copy_file(cert, served_cert);
  std::filesystem::copy_file(key, served_key);
  CrioDaemon crio("[crio.metrics]\nenable_metrics = true\nmetrics_port = " + std::to_string(port) +
                  "\nmetrics_cert = \"" + served_cert + "\"\nmetrics_key = \"" + served_key +
                  "\"\nmetrics_collectors = [\"crio_operations_total\", "
                  "\"container_runtime_crio_containers_oom_total\"]\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/metrics";
  const RunResult scraped = RunCommand({"curl", "-sfk", "-v", url});
  ASSERT_EQ(scraped.exit_code, 0) << scraped.err << crio.Log();
  EXPECT_NE(scraped.err.find("CN=first"), std::string::npos) << scraped.err;
  EXPECT_NE(scraped.out.find("container_runtime_crio_operations_total{operation=\"Version\"}"),
            std::string::npos)
      << scraped.out;
  EXPECT_NE(scraped.out.find("container_runtime_crio_containers_oom_total 0\n"), std::string::npos);
  for (const char* unselected : {"operations_errors_total", "image_pulls", "processes_defunct",
                                 "operations_latency_seconds"}) {
    EXPECT_EQ(scraped.out.find(unselected), std::string::npos) << unselected;
  }
  // Plain HTTP gets no metrics.
  EXPECT_EQ(RunCommand({"curl", "-s", "http://127.0.0.1:" + std::to_string(port) + "/metrics"})
                .out.find("crio_operations_total"),
            std::string::npos);

  // A renewed certificate is served from the next connection on.
  const auto [renewed_cert, renewed_key] = MakeCertificate(dir, "second");
  std::filesystem::copy_file(renewed_key, served_key,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(renewed_cert, served_cert,
                             std::filesystem::copy_options::overwrite_existing);
  const RunResult renewed = RunCommand({"curl", "-sfk", "-v", url});
  ASSERT_EQ(renewed.exit_code, 0) << renewed.err;
  EXPECT_NE(renewed.err.find("CN=second"), std::string::npos) << renewed.err;
}

// CRI-O's metrics.bats "secure metrics with random port and missing cert/key".
TEST_F(DaemonTest, MissingMetricsCertAndKeyGetASelfSignedPair) {
  const int port = FreePort();
  TempDir dir;
  const std::string cert = dir.Join("sub/dir/cert.pem"), key = dir.Join("another/dir/key.pem");
  CrioDaemon crio("[crio.metrics]\nenable_metrics = true\nmetrics_port = " +
                  std::to_string(port) + "\nmetrics_cert = \"" + cert + "\"\nmetrics_key = \"" +
                  key + "\"\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const RunResult scraped =
      RunCommand({"curl", "-sfk", "-v", "https://127.0.0.1:" + std::to_string(port) + "/metrics"});
  ASSERT_EQ(scraped.exit_code, 0) << scraped.err << crio.Log();
  EXPECT_NE(scraped.err.find("CN=localhost"), std::string::npos) << scraped.err;
  EXPECT_NE(scraped.out.find("crio_operations"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(cert));
}

TEST_F(DaemonTest, UnknownMetricsCollectorsAreRefused) {
  CrioDaemon crio("[crio.metrics]\nmetrics_collectors = [\"operations_per_second\"]\n");
  EXPECT_FALSE(crio.Start());
  EXPECT_NE(crio.Log().find("unknown collector \"operations_per_second\""), std::string::npos)
      << crio.Log();
}

TEST_F(DaemonTest, MetricsAreOffByDefault) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  EXPECT_EQ(crio.Log().find("Serving metrics"), std::string::npos);
  // Pod metrics too: included_pod_metrics is empty by default.
  v1::ListMetricDescriptorsResponse descriptors;
  ASSERT_TRUE(
      RuntimeStub(crio)
          ->ListMetricDescriptors(Context().get(), v1::ListMetricDescriptorsRequest(), &descriptors)
          .ok());
  EXPECT_EQ(descriptors.descriptors_size(), 0);
}

TEST_F(DaemonTest, MessageSizeLimitComesFromConfig) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start({"--grpc-max-recv-msg-size", "1024"})) << crio.Log();
  v1::VersionRequest big;
  big.set_version(std::string(4096, 'x'));
  v1::VersionResponse version;
  EXPECT_EQ(RuntimeStub(crio)->Version(Context().get(), big, &version).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());
}

TEST_F(DaemonTest, CrioctlSpeaksToIt) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const RunResult version = RunCommand({BinPath("crioctl"), "-r", crio.endpoint(), "version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find("RuntimeName:  crio"), std::string::npos) << version.out;
  EXPECT_NE(version.out.find("RuntimeApiVersion:  v1"), std::string::npos) << version.out;

  const RunResult info =
      RunCommand({BinPath("crioctl"), "--runtime-endpoint", crio.endpoint(), "info"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const json parsed = json::parse(info.out);
  EXPECT_EQ(parsed["status"]["conditions"][0]["type"], "RuntimeReady");
  EXPECT_TRUE(parsed.contains("config")) << info.out;

  const RunResult yaml =
      RunCommand({BinPath("crioctl"), "-r", crio.endpoint(), "info", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("type: RuntimeReady"), std::string::npos) << yaml.out;

  const RunResult runtime_config =
      RunCommand({BinPath("crioctl"), "-r", crio.endpoint(), "runtime-config"});
  ASSERT_EQ(runtime_config.exit_code, 0) << runtime_config.err;
  EXPECT_TRUE(json::parse(runtime_config.out)["linux"].contains("cgroupDriver"))
      << runtime_config.out;

  const RunResult down =
      RunCommand({BinPath("crioctl"), "-r", "unix://" + crio.dir().Join("none.sock"), "--timeout",
                  "1s", "version"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("none.sock"), std::string::npos) << down.err;
}

TEST_F(DaemonTest, StatusApiAnswersHttpOnTheSameSocket) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const RunResult info =
      RunCommand({"curl", "-sS", "--unix-socket", crio.socket(), "http://localhost/info"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const json parsed = json::parse(info.out);
  EXPECT_EQ(parsed["storage_driver"], "overlay");
  EXPECT_EQ(parsed["storage_root"], crio.dir().Join("lib"));

  const RunResult config =
      RunCommand({"curl", "-sS", "--unix-socket", crio.socket(), "http://localhost/config"});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_NE(config.out.find("listen = \"" + crio.socket() + "\""), std::string::npos);

  const RunResult missing =
      RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
                  crio.socket(), "http://localhost/containers/abc"});
  EXPECT_EQ(missing.out, "404");

  const RunResult status_info =
      RunCommand({BinPath("crio"), "status", "--socket", crio.socket(), "info"});
  ASSERT_EQ(status_info.exit_code, 0) << status_info.err;
  EXPECT_NE(status_info.out.find("\nstorage driver: overlay\n"), std::string::npos)
      << status_info.out;
  EXPECT_TRUE(status_info.out.starts_with("cgroup driver: ")) << status_info.out;
  const RunResult status_config =
      RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "config"});
  EXPECT_EQ(status_config.out, config.out);
  const RunResult container =
      RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "containers", "--id", "abc"});
  EXPECT_EQ(container.exit_code, 1);
  EXPECT_NE(container.err.find("can't find the container with id abc"), std::string::npos)
      << container.err;
  const RunResult no_id =
      RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "containers"});
  EXPECT_EQ(no_id.exit_code, 1);
  EXPECT_NE(no_id.err.find("the argument --id cannot be empty"), std::string::npos) << no_id.err;
  const RunResult bare = RunCommand({BinPath("crio"), "status"});  // its help, as CRI-O's
  EXPECT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_NE(bare.out.find("containers"), std::string::npos) << bare.out;

  // CRI-O 1.26's crio-status (status.bats): the same queries; a subcommand is required.
  const RunResult tool_bare = RunCommand({BinPath("crio-status")});
  EXPECT_EQ(tool_bare.exit_code, 1);
  EXPECT_NE(tool_bare.err.find("expecting a valid subcommand"), std::string::npos);
  const RunResult tool_info =
      RunCommand({BinPath("crio-status"), "--socket=" + crio.socket(), "i"});
  EXPECT_EQ(tool_info.exit_code, 0) << tool_info.err;
  EXPECT_EQ(tool_info.out, status_info.out);
  const RunResult tool_config = RunCommand({BinPath("crio-status"), "-s", crio.socket(), "c"});
  EXPECT_EQ(tool_config.out, config.out);
  EXPECT_EQ(RunCommand({BinPath("crio-status"), "--socket", "wrong.sock", "c"}).exit_code, 1);
  EXPECT_EQ(RunCommand({BinPath("crio-status"), "-s", crio.socket(), "s"}).exit_code, 1);
  EXPECT_EQ(RunCommand({BinPath("crio-status"), "-s", crio.socket(), "nonsense"}).exit_code, 1);

  // gRPC still works after HTTP traffic on the same socket.
  v1::VersionResponse version;
  EXPECT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());
}

TEST_F(DaemonTest, SighupReloadsTheLogLevel) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  v1::VersionResponse version;
  ASSERT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());
  EXPECT_EQ(crio.Log().find("Version OK"), std::string::npos);  // info level: no rpc lines

  crio.dir().WriteFile("crio.conf.d/10-debug.conf", "[crio.runtime]\nlog_level = \"debug\"\n");
  crio.Signal(SIGHUP);
  ASSERT_TRUE(crio.WaitForLog("log_level")) << crio.Log();
  EXPECT_NE(crio.Log().find("debug"), std::string::npos);
  ASSERT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());
  EXPECT_TRUE(crio.WaitForLog("Version OK")) << crio.Log();

  // A broken file on reload keeps the running configuration.
  crio.dir().WriteFile("crio.conf.d/20-bad.conf", "[crio.runtime]\nlog_level = \"loud\"\n");
  crio.Signal(SIGHUP);
  // CRI-O's words (its reload_config.bats waits for them).
  EXPECT_TRUE(crio.WaitForLog(R"(unable to reload configuration: not a valid logrus Level: \"loud\")"))
      << crio.Log();
  crio.dir().WriteFile("crio.conf.d/20-bad.conf", "[crio.runtime]\nlog_level = \"\n");
  crio.Signal(SIGHUP);
  EXPECT_TRUE(crio.WaitForLog("unable to reload configuration: unable to decode configuration"))
      << crio.Log();
  const std::string missing = crio.dir().Join("missing-auth.json");
  crio.dir().WriteFile("crio.conf.d/20-bad.conf",
                       "[crio.image]\npause_image_auth_file = \"" + missing + "\"\n");
  crio.Signal(SIGHUP);
  EXPECT_TRUE(crio.WaitForLog("unable to reload configuration: stat " + missing +
                              ": no such file or directory"))
      << crio.Log();
  EXPECT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());

  crio.dir().WriteFile("crio.conf.d/20-bad.conf", "[crio.runtime]\nlog_filter = \")\"\n");
  crio.Signal(SIGHUP);
  EXPECT_TRUE(crio.WaitForLog(
      "unable to reload configuration: custom log level filter does not compile"))
      << crio.Log();

  // CRI-O takes a seccomp_profile that is not on disk, with a notice, and logs new handlers.
  crio.dir().WriteFile("crio.conf.d/20-bad.conf",
                       "[crio.runtime]\nseccomp_profile = \")\"\n"
                       "[crio.runtime.runtimes.new]\nruntime_path = \"/usr/sbin/runc\"\n");
  crio.Signal(SIGHUP);
  EXPECT_TRUE(crio.WaitForLog("Specified profile does not exist on disk")) << crio.Log();
  EXPECT_TRUE(crio.WaitForLog(R"(msg="Updating runtime configuration")")) << crio.Log();

  // A quieter level still shows its own change, as CRI-O's does.
  crio.dir().WriteFile("crio.conf.d/20-bad.conf", "[crio.runtime]\nlog_level = \"warn\"\n");
  crio.Signal(SIGHUP);
  EXPECT_TRUE(crio.WaitForLog(R"(set config log_level to \"warn\")")) << crio.Log();
}

// As CRI-O reloads: from the files only; a flag set at start-up does not hold a value.
TEST_F(DaemonTest, SighupReloadsFromTheFilesNotTheFlags) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start({"--log-level", "debug"})) << crio.Log();
  crio.dir().WriteFile("crio.conf.d/10-warn.conf", "[crio.runtime]\nlog_level = \"warn\"\n");
  crio.Signal(SIGHUP);
  EXPECT_TRUE(crio.WaitForLog(R"(set config log_level to \"warn\")")) << crio.Log();
}

TEST_F(DaemonTest, SigtermExitsCleanlyAndRemovesTheSocket) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  ASSERT_EQ(access(crio.socket().c_str(), F_OK), 0);
  struct stat info {};
  ASSERT_EQ(stat(crio.socket().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0660u);
  EXPECT_EQ(crio.Stop(), 0);
  EXPECT_NE(access(crio.socket().c_str(), F_OK), 0);
  EXPECT_NE(access((crio.socket() + ".lock").c_str(), F_OK), 0);
}

TEST_F(DaemonTest, SigintAlsoStops) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  crio.Signal(SIGINT);
  EXPECT_EQ(WaitForExit(crio.pid(), std::chrono::seconds(20)), 0);
  EXPECT_NE(access(crio.socket().c_str(), F_OK), 0);
}

TEST_F(DaemonTest, SecondCrioOnTheSameSocketFailsClearly) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const RunResult second = RunCommand(crio.Command(), std::chrono::seconds(20));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("another crio is already running on " + crio.socket()),
            std::string::npos)
      << second.err;
  v1::VersionResponse version;
  EXPECT_TRUE(RuntimeStub(crio)->Version(Context().get(), v1::VersionRequest(), &version).ok());
}

TEST_F(DaemonTest, RestartsAfterSigkillOverTheStaleSocket) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  crio.Signal(SIGKILL);
  WaitForExit(crio.pid(), std::chrono::seconds(10));
  ASSERT_EQ(access(crio.socket().c_str(), F_OK), 0);  // left behind
  ASSERT_TRUE(crio.Start()) << crio.Log();
  EXPECT_EQ(crio.Stop(), 0);
}

// CRI-O's runtime validation: with cgroupfs conmon can only go into the pod's cgroup, and
// monitor_cgroup's default is "system.slice".
TEST_F(DaemonTest, CgroupfsRequiresConmonInThePod) {
  CrioDaemon crio("[crio.runtime]\ncgroup_manager = \"cgroupfs\"\n");
  const RunResult result = RunCommand(crio.Command(), std::chrono::seconds(20));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("cgroupfs manager conmon cgroup should be 'pod' or empty"),
            std::string::npos)
      << result.err;
  CrioDaemon pod("[crio.runtime]\ncgroup_manager = \"cgroupfs\"\nconmon_cgroup = \"pod\"\n");
  ASSERT_TRUE(pod.Start()) << pod.Log();
  EXPECT_EQ(pod.Stop(), 0);
}

TEST_F(DaemonTest, InvalidConfigExitsOneAndCreatesNothing) {
  CrioDaemon crio("[crio.runtime]\ncgroup_manager = \"upstart\"\n");
  const RunResult result = RunCommand(crio.Command(), std::chrono::seconds(20));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(crio.extra_file()), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("cgroup_manager"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("systemd"), std::string::npos) << result.err;
  EXPECT_NE(access(crio.dir().Join("run").c_str(), F_OK), 0);
  EXPECT_NE(access(crio.dir().Join("lib").c_str(), F_OK), 0);
}

TEST_F(DaemonTest, UnknownKeysWarnAndCrioStillServes) {
  CrioDaemon crio("[crio.runtime]\nno_such_option = true\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const std::string log = crio.Log();
  EXPECT_NE(log.find("no_such_option"), std::string::npos) << log;
  EXPECT_NE(log.find("level=warning"), std::string::npos) << log;
}

TEST_F(DaemonTest, LogToJournaldNeedsAJournal) {
  if (access("/run/systemd/journal/socket", F_OK) == 0) GTEST_SKIP() << "journald runs here";
  CrioDaemon crio("[crio.runtime]\nlog_to_journald = true\n");
  const RunResult result = RunCommand(crio.Command(), std::chrono::seconds(20));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("log_to_journald is set, but journald is not running here"),
            std::string::npos)
      << result.err;
}

TEST_F(DaemonTest, LogFlagWritesCriosLogToTheFile) {
  CrioDaemon crio;
  const std::string file = crio.dir().Join("own.log");
  ASSERT_TRUE(crio.Start({"--log", file})) << crio.Log();
  EXPECT_EQ(crio.Stop(), 0);
  std::ifstream in(file);
  const std::string written((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(written.find("msg=\"Starting crio"), std::string::npos) << written;
  EXPECT_EQ(crio.Log().find("Starting crio"), std::string::npos) << crio.Log();
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

// Resource-class keys crio does not apply are refused rather than ignored; RDT is off, as in
// CRI-O, where the host has no resctrl.
TEST_F(DaemonTest, ResourceClassKeysCrioDoesNotApplyAreRefused) {
  for (const auto& [config, message] : std::vector<std::pair<std::string, std::string>>{
           {"[crio.runtime]\nblockio_config_file = \"/etc/crio/blockio.yaml\"\n",
            "blockio configuration: blockio_config_file"},
           {"[crio.image]\nseparate_pull_cgroup = \"pod\"\n",
            "--separate-pull-cgroup is supported only with systemd"}}) {
    CrioDaemon crio(config);
    const RunResult result = RunCommand(crio.Command(), std::chrono::seconds(20));
    EXPECT_EQ(result.exit_code, 1) << config;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
  }
  if (access("/sys/fs/resctrl/info", F_OK) == 0) GTEST_SKIP() << "this host has resctrl";
  CrioDaemon crio("[crio.runtime]\nrdt_config_file = \"/etc/crio/rdt.yaml\"\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  EXPECT_NE(crio.Log().find("RDT not available in the host system"), std::string::npos);
}

// CRI-O's documentation subcommands, as an operator installs them.
TEST(DocumentationCommandsTest, CompletionsManAndMarkdownDescribeTheCommandLine) {
  const auto crio = [](std::vector<std::string> args) {
    args.insert(args.begin(), BinPath("crio"));
    return RunCommand(args, std::chrono::seconds(20));
  };
  const RunResult bash = crio({"completion"});
  ASSERT_EQ(bash.exit_code, 0) << bash.err;
  EXPECT_EQ(crio({"complete", "bash"}).out, bash.out);
  for (const char* word :
       {"\nstatus\n", "\ncheck\n", "\n--log-level\n", "\n--log-journald\n"}) {
    EXPECT_NE(bash.out.find(word), std::string::npos) << word;
  }
  // bash takes it: sourced, `crio` completes with it.
  TempDir dir;
  const std::string script = dir.WriteFile("crio.bash", bash.out);
  const RunResult sourced = RunCommand({"bash", "-c", "source " + script + " && complete -p crio"},
                                       std::chrono::seconds(20));
  EXPECT_EQ(sourced.out, "complete -F _cli_bash_autocomplete crio\n") << sourced.err;

  const RunResult zsh = crio({"completion", "zsh"});
  EXPECT_NE(zsh.out.find("compdef _cli_zsh_autocomplete crio"), std::string::npos);
  EXPECT_NE(zsh.out.find("'wipe:Remove pods"), std::string::npos) << zsh.out;
  const RunResult fish = crio({"completion", "fish"});
  EXPECT_NE(
      fish.out.find("complete -c crio -n '__fish_crio_no_subcommand' -f -l log-level -s l -r"),
      std::string::npos)
      << fish.out;
  const RunResult tcsh = crio({"completion", "tcsh"});
  EXPECT_EQ(tcsh.exit_code, 1);
  EXPECT_NE(tcsh.err.find("only bash, fish or zsh are supported"), std::string::npos);

  std::ifstream page(std::string(CRIO_SOURCE_DIR) + "/docs/crio.8");
  EXPECT_EQ(crio({"man"}).out, std::string(std::istreambuf_iterator<char>(page), {}));

  const RunResult markdown = crio({"md"});
  EXPECT_EQ(markdown.out.rfind("% crio 8\n\n# NAME\n\ncrio - ", 0), 0u) << markdown.out;
  for (const char* text : {"# GLOBAL OPTIONS", "**--log-level, -l**=\"\": ", "## status",
                           "### goroutines, g", "## complete, completion"}) {
    EXPECT_NE(markdown.out.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(crio({"markdown"}).out, markdown.out);
}

TEST_F(DaemonTest, JsonLogFormat) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start({"--log-format", "json"})) << crio.Log();
  const std::string log = crio.Log();
  const std::string first_line = log.substr(0, log.find('\n'));
  const json line = json::parse(first_line);
  EXPECT_EQ(line["level"], "info");
  EXPECT_TRUE(line.contains("time"));
}

TEST_F(DaemonTest, ConfigSubcommandOutputReadsBackIdentically) {
  CrioDaemon crio("[crio.image]\npause_image = \"example.com/pause:9\"\n");
  const RunResult first =
      RunCommand({BinPath("crio"), "--config", crio.config_file(), "--config-dir",
                  crio.config_dir(), "--log-level", "debug", "config"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("pause_image = \"example.com/pause:9\""), std::string::npos);
  EXPECT_NE(first.out.find("log_level = \"debug\""), std::string::npos);
  const std::string rendered = crio.dir().WriteFile("rendered.conf", first.out);
  const RunResult second = RunCommand({BinPath("crio"), "--config", rendered, "--config-dir",
                                       crio.dir().Join("empty.d"), "config"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
}

// The lines of `toml` that set something: not blank, not a comment, not a table header.
std::vector<std::string> SettingLines(const std::string& toml) {
  std::vector<std::string> lines;
  std::istringstream in(toml);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && !line.starts_with("#") && !line.starts_with("[")) lines.push_back(line);
  }
  return lines;
}

// CRI-O's config.bats "default config should be empty", and `--default` fed back to itself.
TEST_F(DaemonTest, ConfigSubcommandSetsOnlyWhatDiffersFromTheDefaults) {
  TempDir dir;
  const RunResult plain = RunCommand({BinPath("crio"), "-c", "", "-d", "", "config"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(SettingLines(plain.out), std::vector<std::string>{}) << plain.out;
  EXPECT_NE(plain.out.find("\n# log_level = \"info\"\n"), std::string::npos);

  const RunResult changed =
      RunCommand({BinPath("crio"), "-c", "", "-d", "", "--pids-limit", "5678", "config"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(SettingLines(changed.out), std::vector<std::string>{"pids_limit = 5678"});

  const RunResult defaults =
      RunCommand({BinPath("crio"), "-c", "", "-d", "", "--pids-limit", "5678", "config",
                  "--default"});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.err;
  EXPECT_NE(defaults.out.find("\nlog_level = \"info\"\n"), std::string::npos);
  EXPECT_EQ(defaults.out.find("pids_limit = 5678"), std::string::npos);
  const std::string file = dir.WriteFile("default.conf", defaults.out);
  const RunResult again = RunCommand({BinPath("crio"), "-c", file, "-d", "", "config"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, plain.out) << "the defaults, read back, are the defaults";
}

TEST_F(DaemonTest, VersionSubcommand) {
  const RunResult text = RunCommand({BinPath("crio"), "version"});
  ASSERT_EQ(text.exit_code, 0);
  // CRI-O's fields (version.bats), aligned as Go's tabwriter does: the list of build tags
  // ends a block.
  EXPECT_TRUE(text.out.starts_with("Version:        0.1.0\nGitCommit:      ")) << text.out;
  for (const char* field : {"\nGitCommitDate:  ", "\nGitTreeState:   ", "\nBuildDate:      ",
                            "\nGoVersion:      ", "\nCompiler:       gcc ",
                            "\nPlatform:       linux/", "\nLinkmode:       dynamic\n",
                            "\nBuildTags:      \n  apparmor\n  seccomp\n",
                            "\nSeccompEnabled:   ", "\nAppArmorEnabled:  "}) {
    EXPECT_NE(text.out.find(field), std::string::npos) << field << " in\n" << text.out;
  }
  const RunResult as_json = RunCommand({BinPath("crio"), "version", "-j"});
  ASSERT_EQ(as_json.exit_code, 0);
  const json parsed = json::parse(as_json.out);
  EXPECT_EQ(parsed["version"], "0.1.0");
  for (const char* key : {"gitCommit", "gitCommitDate", "gitTreeState", "buildDate", "goVersion",
                          "compiler", "platform", "linkmode"}) {
    EXPECT_TRUE(parsed[key].is_string() && !parsed[key].get<std::string>().empty()) << key;
  }
  EXPECT_EQ(parsed["gitCommit"].get<std::string>().size(), 40u);
  EXPECT_EQ(parsed["buildTags"], json::array({"apparmor", "seccomp"}));
  EXPECT_TRUE(parsed["seccompEnabled"].is_boolean());
}

}  // namespace
}  // namespace crio::testing
