#include "oci/monitor.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "sys/spawn.h"
#include "testing/temp_dir.h"

namespace crio::oci {
namespace {

namespace fs = std::filesystem;
using std::string_literals::operator""s;

std::string Read(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// True while `pid` runs (a zombie has ended).
bool Running(pid_t pid) {
  const std::string stat = Read("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST(MonitorTest, CommandLineMustBeConmonForTheContainer) {
  const std::string conmon = "/usr/bin/conmon";
  EXPECT_TRUE(IsMonitorCommandLine("/usr/bin/conmon\0-b\0/b\0-c\0abc\0-u\0abc\0"s, conmon, "abc"));
  EXPECT_TRUE(IsMonitorCommandLine("/usr/bin/conmon\0-c\0abc"s, conmon, "abc"));
  EXPECT_FALSE(IsMonitorCommandLine("/usr/bin/conmon\0-c\0abcd\0"s, conmon, "abc"));
  EXPECT_FALSE(IsMonitorCommandLine("/usr/bin/conmon\0-u\0abc\0"s, conmon, "abc"));
  EXPECT_FALSE(IsMonitorCommandLine("/usr/bin/conmon\0abc\0-c\0"s, conmon, "abc"));
  EXPECT_FALSE(IsMonitorCommandLine("/usr/bin/sleep\0-c\0abc\0"s, conmon, "abc"));
  EXPECT_FALSE(IsMonitorCommandLine(""s, conmon, "abc"));  // a zombie's
}

TEST(MonitorTest, FindRefusesAPidThatIsNotTheContainersConmon) {
  testing::TempDir dir;
  EXPECT_FALSE(Monitor::Find(dir.Join("missing-pidfile"), "/usr/bin/conmon", "abc"));
  // A pid taken over by another process (here: this test).
  const std::string pid_file = dir.WriteFile("conmon-pidfile", std::to_string(::getpid()));
  EXPECT_FALSE(Monitor::Find(pid_file, "/usr/bin/conmon", "abc"));
  dir.WriteFile("conmon-pidfile", "garbage");
  EXPECT_FALSE(Monitor::Find(pid_file, "/usr/bin/conmon", "abc"));
}

TEST(MonitorTest, KillEndsTheMonitorAndItsProcessGroup) {
  testing::TempDir dir;
  // Stands in for conmon: "/bin/sh -c SCRIPT" is "-c ID" with the script as the id; its
  // child stands in for the runtime's create.
  const std::string script = "sleep 600 & echo $! > " + dir.Join("child") + "; wait; exit";
  auto started =
      sys::Spawn({.argv = {"/bin/sh", "-c", script},
                  .env = {"PATH=/usr/bin:/bin"},
                  .fds = {sys::DevNull(O_RDONLY), sys::DevNull(O_WRONLY), sys::DevNull(O_WRONLY)},
                  .group = sys::ChildGroup::kNewSession});
  ASSERT_TRUE(started.ok()) << started.status();
  const pid_t shell = started->pid();
  for (int i = 0; i < 250 && Read(dir.Join("child")).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string child_text = Read(dir.Join("child"));
  ASSERT_FALSE(child_text.empty());
  const pid_t child = static_cast<pid_t>(std::stol(child_text));
  const std::string pid_file = dir.WriteFile("conmon-pidfile", std::to_string(shell));

  EXPECT_FALSE(Monitor::Find(pid_file, "/bin/sh", "another container"));
  EXPECT_FALSE(Monitor::Find(pid_file, "/usr/bin/conmon", script));
  std::optional<Monitor> monitor = Monitor::Find(pid_file, "/bin/sh", script);
  ASSERT_TRUE(monitor);
  EXPECT_EQ(monitor->pid(), shell);
  EXPECT_FALSE(monitor->WaitExit(std::chrono::milliseconds(0)));
  EXPECT_TRUE(monitor->Kill(std::chrono::seconds(5)));
  EXPECT_EQ(started->Wait(), 128 + SIGKILL);
  for (int i = 0; i < 250 && Running(child); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(Running(child)) << "the monitor's child " << child << " still runs";
  EXPECT_FALSE(Monitor::Find(pid_file, "/bin/sh", script));  // gone now
}

TEST(MonitorTest, LinkedBundleReadsTheAttachDirLink) {
  testing::TempDir dir;
  fs::create_directory_symlink("/run/crio/bundles/abc", dir.Join("abc"));
  dir.WriteFile("file", "");
  EXPECT_EQ(LinkedBundle(dir.path(), "abc"), "/run/crio/bundles/abc");
  EXPECT_EQ(LinkedBundle(dir.path(), "file"), std::nullopt);
  EXPECT_EQ(LinkedBundle(dir.path(), "missing"), std::nullopt);
  EXPECT_EQ(LinkedBundle(dir.path(), "../abc"), std::nullopt);
}

TEST(MonitorTest, RemoveRefusesIdsThatAreNotFileNames) {
  testing::TempDir dir;
  for (const std::string id : {"", ".", "..", "../x", "a/b"}) {
    EXPECT_EQ(RemoveMonitorEntries(dir.path(), dir.path(), id).code(),
              absl::StatusCode::kInvalidArgument)
        << id;
  }
  // Dirs that do not exist (yet) hold nothing to remove.
  EXPECT_TRUE(RemoveMonitorEntries(dir.Join("no-attach"), dir.Join("no-exits"), "abc").ok());
}

}  // namespace
}  // namespace crio::oci
