#include "oci/conmon_runtime.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::oci {
namespace {

ConmonOptions Options() {
  return {.conmon_path = "/usr/bin/conmon",
          .runtime_path = "/usr/sbin/runc",
          .runtime_root = "/run/runc",
          .monitor_env = {"PATH=/usr/bin"},
          .exits_dir = "/run/crio/exits",
          .attach_socket_dir = "/run/crio",
          .log_level = "info"};
}

bool Has(const std::vector<std::string>& args, const std::string& flag,
         const std::string& value = "") {
  auto it = std::find(args.begin(), args.end(), flag);
  if (it == args.end()) return false;
  return value.empty() || (std::next(it) != args.end() && *std::next(it) == value);
}

TEST(ConmonRuntimeTest, ArgsFollowCrioOs) {
  ConmonRuntime runtime(Options());
  const auto args = runtime.ConmonArgs({.id = "abc",
                                        .name = "k8s_web",
                                        .bundle = "/run/b/abc",
                                        .persist_dir = "/var/lib/b/abc",
                                        .log_path = "/var/log/pods/x/web/0.log"});
  EXPECT_EQ(args.front(), "/usr/bin/conmon");
  EXPECT_TRUE(Has(args, "-b", "/run/b/abc"));
  EXPECT_TRUE(Has(args, "-c", "abc"));
  EXPECT_TRUE(Has(args, "-u", "abc"));
  EXPECT_TRUE(Has(args, "--exit-dir", "/run/crio/exits"));
  EXPECT_TRUE(Has(args, "-l", "/var/log/pods/x/web/0.log"));
  EXPECT_TRUE(Has(args, "-P", "/run/b/abc/conmon-pidfile"));
  EXPECT_TRUE(Has(args, "-p", "/run/b/abc/pidfile"));
  EXPECT_TRUE(Has(args, "--persist-dir", "/var/lib/b/abc"));
  EXPECT_TRUE(Has(args, "-r", "/usr/sbin/runc"));
  EXPECT_TRUE(Has(args, "--runtime-arg", "--root=/run/runc"));
  EXPECT_FALSE(Has(args, "-t"));
  EXPECT_FALSE(Has(args, "-i"));
  EXPECT_FALSE(Has(args, "-s"));
}

TEST(ConmonRuntimeTest, TtyStdinAndCgroupFlags) {
  ConmonOptions options = Options();
  options.systemd_cgroup = true;
  options.log_size_max = 8192;
  ConmonRuntime runtime(options);
  auto args = runtime.ConmonArgs({.id = "a", .tty = true, .stdin = true});
  EXPECT_TRUE(Has(args, "-t"));
  EXPECT_FALSE(Has(args, "-i"));
  EXPECT_TRUE(Has(args, "-s"));
  EXPECT_TRUE(Has(args, "--log-size-max", "8192"));
  args = runtime.ConmonArgs({.id = "a", .stdin = true, .stdin_once = false});
  EXPECT_TRUE(Has(args, "-i"));
  EXPECT_TRUE(Has(args, "--leave-stdin-open"));
  args = runtime.ConmonArgs({.id = "a", .stdin = true, .stdin_once = true});
  EXPECT_FALSE(Has(args, "--leave-stdin-open"));
}

TEST(ConmonRuntimeTest, JournaldAndNoSyncLogAreConmonFlags) {
  auto args = ConmonRuntime(Options()).ConmonArgs({.id = "a", .log_path = "/logs/a.log"});
  EXPECT_FALSE(Has(args, "--log-path", "journald:"));
  EXPECT_FALSE(Has(args, "--no-sync-log"));
  ConmonOptions options = Options();
  options.log_to_journald = true;
  options.no_sync_log = true;
  args = ConmonRuntime(options).ConmonArgs({.id = "a", .log_path = "/logs/a.log"});
  EXPECT_TRUE(Has(args, "-l", "/logs/a.log"));  // the kubelet's file stays
  EXPECT_TRUE(Has(args, "--log-path", "journald:"));
  EXPECT_TRUE(Has(args, "--no-sync-log"));
}

TEST(ConmonRuntimeTest, MonitorCgroupIsThePodsOrTheSlicesOrNone) {
  ConmonOptions options = Options();
  EXPECT_EQ(ConmonRuntime(options).MonitorCgroupPath({.id = "a", .cgroup_parent = "/p"}), "");
  options.monitor_cgroup = "pod";
  ConmonRuntime in_pod(options);
  EXPECT_EQ(in_pod.MonitorCgroupPath({.id = "a", .cgroup_parent = "pod_123-456"}),
            "/pod_123-456/crio-conmon-a");
  EXPECT_EQ(in_pod.MonitorCgroupPath({.id = "a", .cgroup_parent = "/kubepods/pod1/"}),
            "/kubepods/pod1/crio-conmon-a");
  options.monitor_cgroup = "/system.slice";
  EXPECT_EQ(ConmonRuntime(options).MonitorCgroupPath({.id = "a", .cgroup_parent = "/p"}),
            "/system.slice/crio-conmon-a.scope");
  options.monitor_cgroup = "/";
  EXPECT_EQ(ConmonRuntime(options).MonitorCgroupPath({.id = "a"}), "/crio-conmon-a.scope");
}

TEST(ConmonRuntimeTest, RuntimeErrorsAboutMissingContainersAreNotFound) {
  testing::TempDir dir;
  ConmonOptions options = Options();
  options.runtime_root = dir.Join("runc");
  ConmonRuntime runtime(options);
  EXPECT_EQ(runtime.State("no-such-container").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(runtime.Delete("no-such-container").ok());
}

namespace fs = std::filesystem;

std::string Read(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A runtime standing in for runc: appends its arguments to DIR/calls and answers each verb
// as `verbs` (shell `case` branches on $VERB, with $ID the last argument) says; other
// verbs succeed silently.
std::string FakeRuntime(const testing::TempDir& dir, const std::string& verbs) {
  const std::string path =
      dir.WriteFile("runtime", "#!/bin/sh\necho \"$*\" >> " + dir.Join("calls") +
                                   "\nwhile [ \"${1#--}\" != \"$1\" ]; do\n"
                                   "  case \"$1\" in --root) shift 2 ;; *) shift ;; esac\n"
                                   "done\nVERB=$1\nfor ID; do :; done\ncase \"$VERB\" in\n" +
                                   verbs + "\nesac\nexit 0\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

ConmonOptions FakeOptions(const testing::TempDir& dir, const std::string& verbs) {
  ConmonOptions options = Options();
  options.runtime_path = FakeRuntime(dir, verbs);
  options.runtime_root = dir.Join("root");
  options.exits_dir = dir.Join("exits");
  options.attach_socket_dir = dir.Join("attach");
  fs::create_directories(options.runtime_root);
  fs::create_directories(options.exits_dir);
  fs::create_directories(options.attach_socket_dir);
  return options;
}

// What conmon leaves for container `id`: its attach dir link to the bundle, its exit file.
void LeaveMonitorEntries(const ConmonOptions& options, const std::string& id) {
  fs::create_directory_symlink("/nonexistent/bundle/" + id, options.attach_socket_dir + "/" + id);
  std::ofstream(options.exits_dir + "/" + id) << "0";
}

bool Exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

TEST(ConmonRuntimeTest, ExitOfReadsWhatConmonRecorded) {
  testing::TempDir dir;
  ConmonRuntime runtime(FakeOptions(dir, ""));
  const std::string id(64, 'a');
  EXPECT_EQ(runtime.ExitOf(id, dir.Join("bundle"), dir.Join("persist")).status().code(),
            absl::StatusCode::kNotFound);  // still running
  dir.WriteFile("exits/" + id, "137");
  auto ended = runtime.ExitOf(id, dir.Join("bundle"), dir.Join("persist"));
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->code, 137);
  EXPECT_GT(ended->finished_at, 0);
  EXPECT_FALSE(ended->oom);
  dir.WriteFile("persist/oom", "");
  EXPECT_TRUE(runtime.ExitOf(id, dir.Join("bundle"), dir.Join("persist"))->oom);
}

TEST(ConmonRuntimeTest, ReopenLogWritesConmonsControlMessage) {
  testing::TempDir dir;
  ConmonRuntime runtime(FakeOptions(dir, ""));
  fs::create_directories(dir.Join("bundle"));
  ASSERT_EQ(::mkfifo(dir.Join("bundle/ctl").c_str(), 0600), 0);
  const int reader = ::open(dir.Join("bundle/ctl").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(runtime.ReopenLog(dir.Join("bundle")).ok());
  char message[16] = {};
  EXPECT_EQ(::read(reader, message, sizeof message - 1), 6);
  EXPECT_STREQ(message, "2 0 0\n");
  ::close(reader);
}

TEST(ConmonRuntimeTest, DeleteRemovesTheAttachLinkAndTheExitFile) {
  testing::TempDir dir;
  const ConmonOptions options = FakeOptions(dir, "");
  LeaveMonitorEntries(options, "gone");
  LeaveMonitorEntries(options, "other");
  ConmonRuntime runtime(options);
  ASSERT_TRUE(runtime.Delete("gone").ok());
  EXPECT_NE(Read(dir.Join("calls")).find("delete --force gone"), std::string::npos);
  EXPECT_FALSE(Exists(options.attach_socket_dir + "/gone"));
  EXPECT_FALSE(Exists(options.exits_dir + "/gone"));
  EXPECT_TRUE(Exists(options.attach_socket_dir + "/other"));
  EXPECT_TRUE(Exists(options.exits_dir + "/other"));
  EXPECT_TRUE(runtime.Delete("gone").ok());  // nothing left to remove is fine
}

TEST(ConmonRuntimeTest, DeleteOfAContainerTheRuntimeNoLongerKnowsStillCleansUp) {
  testing::TempDir dir;
  const ConmonOptions options =
      FakeOptions(dir, R"(delete) echo "container \"$ID\" does not exist" >&2; exit 1 ;;)");
  LeaveMonitorEntries(options, "forgotten");
  ConmonRuntime runtime(options);
  ASSERT_TRUE(runtime.Delete("forgotten").ok());
  EXPECT_FALSE(Exists(options.attach_socket_dir + "/forgotten"));
  EXPECT_FALSE(Exists(options.exits_dir + "/forgotten"));
}

TEST(ConmonRuntimeTest, AFailedDeleteKeepsTheEntries) {
  testing::TempDir dir;
  const ConmonOptions options =
      FakeOptions(dir, R"(delete) echo "cannot remove cgroup: device busy" >&2; exit 1 ;;)");
  LeaveMonitorEntries(options, "stuck");
  ConmonRuntime runtime(options);
  const absl::Status deleted = runtime.Delete("stuck");
  EXPECT_EQ(deleted.code(), absl::StatusCode::kInternal);
  EXPECT_NE(deleted.message().find("device busy"), absl::string_view::npos);
  EXPECT_TRUE(Exists(options.attach_socket_dir + "/stuck"));
  EXPECT_TRUE(Exists(options.exits_dir + "/stuck"));
}

TEST(ConmonRuntimeTest, DeleteRemovesOnlySymlinksAndSocketsFromTheAttachDir) {
  testing::TempDir dir;
  const ConmonOptions options = FakeOptions(dir, "");
  // The attach dir is crio's run dir by default: a file or dir named like a container
  // there is not conmon's.
  std::ofstream(options.attach_socket_dir + "/file") << "keep";
  fs::create_directory(options.attach_socket_dir + "/dir");
  // A socket conmon might leave (its attach socket where the dir holds it directly).
  const int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = options.attach_socket_dir + "/sock";
  ASSERT_LT(socket_path.size(), sizeof address.sun_path);
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ::close(sock);
  ConmonRuntime runtime(options);
  EXPECT_TRUE(runtime.Delete("file").ok());
  EXPECT_TRUE(runtime.Delete("dir").ok());
  EXPECT_TRUE(runtime.Delete("sock").ok());
  EXPECT_TRUE(Exists(options.attach_socket_dir + "/file"));
  EXPECT_TRUE(fs::is_directory(options.attach_socket_dir + "/dir"));
  EXPECT_FALSE(Exists(socket_path));
}

TEST(ConmonRuntimeTest, ListParsesTheRuntimesJson) {
  testing::TempDir dir;
  dir.WriteFile("list.json", R"([
    {"ociVersion":"1.0.2-dev","id":"a1","pid":4242,"status":"running",
     "bundle":"/run/crio/a1/userdata","rootfs":"/var/lib/crio/a1/merged",
     "created":"2026-12-01T10:00:00.000000001Z","owner":"root"},
    {"ociVersion":"1.0.2-dev","id":"b2","pid":0,"status":"stopped",
     "bundle":"/run/crio/b2/userdata","rootfs":"/var/lib/crio/b2/merged",
     "created":"2026-12-01T10:00:01Z","owner":"root"}]
)");
  ConmonRuntime runtime(FakeOptions(dir, "list) cat " + dir.Join("list.json") + " ;;"));
  const auto listed = runtime.List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "a1");
  EXPECT_EQ((*listed)[0].pid, 4242);
  EXPECT_EQ((*listed)[0].status, "running");
  EXPECT_EQ((*listed)[0].bundle, "/run/crio/a1/userdata");
  EXPECT_EQ((*listed)[1].id, "b2");
  EXPECT_EQ((*listed)[1].pid, 0);
  EXPECT_EQ((*listed)[1].status, "stopped");
  EXPECT_NE(Read(dir.Join("calls")).find("--root " + dir.Join("root") + " list --format json"),
            std::string::npos);
}

TEST(ConmonRuntimeTest, ListOfNoContainers) {
  testing::TempDir dir;
  ConmonOptions options = FakeOptions(dir, "list) echo null ;;");
  ConmonRuntime runtime(options);
  auto listed = runtime.List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->empty());
  // A root the runtime has not made yet: nothing to ask it.
  fs::remove(options.runtime_root);
  std::ofstream(dir.Join("calls"), std::ios::trunc).flush();
  listed = runtime.List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->empty());
  EXPECT_EQ(Read(dir.Join("calls")), "");
}

TEST(ConmonRuntimeTest, ListRefusesWhatIsNotTheRuntimesJson) {
  testing::TempDir dir;
  ConmonRuntime garbage(FakeOptions(dir, "list) echo 'ID PID STATUS' ;;"));
  EXPECT_EQ(garbage.List().status().code(), absl::StatusCode::kInternal);
  testing::TempDir dir2;
  ConmonRuntime no_id(FakeOptions(dir2, R"(list) echo '[{"pid": 1}]' ;;)"));
  EXPECT_EQ(no_id.List().status().code(), absl::StatusCode::kInternal);
  testing::TempDir dir3;
  ConmonRuntime failing(
      FakeOptions(dir3, "list) echo 'open /run/x: permission denied' >&2; exit 1 ;;"));
  EXPECT_EQ(failing.List().status().code(), absl::StatusCode::kInternal);
}

// Create under the real conmon (root: conmon makes its cgroup and runs as the caller).
class ConmonCreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!fs::exists("/usr/bin/conmon")) GTEST_SKIP() << "conmon is not installed";
  }

  CreateRequest Request(const std::string& id) const {
    fs::create_directories(dir_.Join("bundle"));
    fs::create_directories(dir_.Join("persist"));
    std::ofstream(dir_.Join("bundle/config.json")) << "{}";
    return {.id = id,
            .name = "k8s_" + id,
            .bundle = dir_.Join("bundle"),
            .persist_dir = dir_.Join("persist"),
            .log_path = dir_.Join("ctr.log")};
  }

  // True while `pid` runs (a zombie waiting for init to reap it has ended).
  static bool Running(pid_t pid) {
    const std::string stat = Read("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
  }

  // Waits (bounded) until `pid` has ended; true if it did.
  static bool Ended(pid_t pid) {
    for (int i = 0; i < 50 && Running(pid); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !Running(pid);
  }

  static pid_t PidIn(const std::string& path) {
    const std::string text = Read(path);
    return text.empty() ? 0 : static_cast<pid_t>(std::stol(text));
  }

  testing::TempDir dir_;
};

TEST_F(ConmonCreateTest, ACreateThatTimesOutLeavesNothingRunning) {
  ConmonOptions options =
      FakeOptions(dir_, "create) sleep 600 & echo $! > " + dir_.Join("sleep.pid") + "; wait ;;");
  options.create_timeout = std::chrono::seconds(2);
  ConmonRuntime runtime(options);
  const auto start = std::chrono::steady_clock::now();
  const auto created = runtime.Create(Request("hangs"));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(created.status().message().find("create container hangs: "), absl::string_view::npos)
      << created.status();
  EXPECT_GE(took, std::chrono::seconds(2));
  EXPECT_LT(took, std::chrono::seconds(10));

  const pid_t conmon = PidIn(dir_.Join("bundle/conmon-pidfile"));
  const pid_t sleeper = PidIn(dir_.Join("sleep.pid"));
  ASSERT_GT(conmon, 0);
  ASSERT_GT(sleeper, 0) << "the runtime's create never ran";
  EXPECT_TRUE(Ended(conmon)) << "conmon " << conmon << " still runs";
  EXPECT_TRUE(Ended(sleeper)) << "the runtime's sleep " << sleeper << " still runs";
  EXPECT_NE(Read(dir_.Join("calls")).find("delete --force hangs"), std::string::npos)
      << Read(dir_.Join("calls"));
  EXPECT_FALSE(Exists(options.attach_socket_dir + "/hangs"));
}

TEST_F(ConmonCreateTest, ACreateTheRuntimeRefusesLeavesNothingRunning) {
  ConmonOptions options = FakeOptions(dir_, R"(create) echo "bad config.json" >&2; exit 1 ;;)");
  ConmonRuntime runtime(options);
  const auto created = runtime.Create(Request("refused"));
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("create container refused: "), absl::string_view::npos)
      << created.status();
  const pid_t conmon = PidIn(dir_.Join("bundle/conmon-pidfile"));
  ASSERT_GT(conmon, 0);
  EXPECT_TRUE(Ended(conmon)) << "conmon " << conmon << " still runs";
  EXPECT_NE(Read(dir_.Join("calls")).find("delete --force refused"), std::string::npos)
      << Read(dir_.Join("calls"));
  EXPECT_FALSE(Exists(options.attach_socket_dir + "/refused"));
  EXPECT_FALSE(Exists(options.exits_dir + "/refused"));
}

}  // namespace
}  // namespace crio::oci
