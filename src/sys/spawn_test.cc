#include "sys/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "sys/process.h"
#include "sys/unique_fd.h"

namespace crio::sys {
namespace {

// Prints the numbers of the fds the shell holds (0..127), using builtins only: nothing is
// forked or opened while it looks.
constexpr char kListFds[] =
    "n=0; while [ $n -lt 128 ]; do [ -e /proc/$$/fd/$n ] && printf '%s ' $n; n=$((n+1)); done";

// Reads `fd` to its end.
std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

std::string FdTarget(int fd) {
  char target[PATH_MAX];
  const ssize_t n =
      ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : "";
}

// Descriptors opened the way a careless library would: without O_CLOEXEC, one at the
// lowest free number and one high up.
struct LeakyFds {
  LeakyFds() {
    low.Reset(::open("/dev/null", O_RDONLY));
    high.Reset(::fcntl(low.get(), F_DUPFD, 100));
  }
  UniqueFd low;
  UniqueFd high;
};

TEST(SpawnTest, ChildSeesOnlyTheListedFdsThoughTheParentLeaksSome) {
  LeakyFds leaky;
  ASSERT_TRUE(leaky.low && leaky.high);
  ASSERT_EQ(::fcntl(leaky.high.get(), F_GETFD) & FD_CLOEXEC, 0);
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd read_end(out[0]), write_end(out[1]);
  int extra[2];
  ASSERT_EQ(::pipe2(extra, O_CLOEXEC), 0);
  UniqueFd extra_read(extra[0]), extra_write(extra[1]);

  auto pid = Spawn({.argv = {"/bin/sh", "-c", kListFds},
                    .env = {"PATH=/usr/bin:/bin"},
                    .fds = {DevNull(O_RDONLY), ParentFd{write_end.get()}, DevNull(O_WRONLY),
                            ParentFd{extra_read.get()}},
                    .cwd = "",
                    .group = ChildGroup::kNewProcessGroup});
  ASSERT_TRUE(pid.ok()) << pid.status();
  write_end.Reset();
  EXPECT_EQ(ReadAll(read_end.get()), "0 1 2 3 ");
  EXPECT_EQ(pid->Wait(), 0);
}

TEST(SpawnTest, RunProcessChildSeesOnlyItsThreePipes) {
  LeakyFds leaky;
  ASSERT_TRUE(leaky.low && leaky.high);
  auto result = RunProcess({.argv = {"/bin/sh", "-c", kListFds}, .env = {}, .stdin_data = ""});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "0 1 2 ");
}

TEST(SpawnTest, SourceBelowTheTargetsIsNotClobberedByEarlierTargets) {
  // fds[3] is our fd 1, which the child's fd 1 (a pipe) replaces before fd 3's turn.
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd read_end(out[0]), write_end(out[1]);
  auto pid =
      Spawn({.argv = {"/bin/sh", "-c", "readlink /proc/$$/fd/3"},
             .env = {"PATH=/usr/bin:/bin"},
             .fds = {DevNull(O_RDONLY), ParentFd{write_end.get()}, DevNull(O_WRONLY), ParentFd{1}},
             .cwd = "",
             .group = ChildGroup::kNewProcessGroup});
  ASSERT_TRUE(pid.ok()) << pid.status();
  write_end.Reset();
  EXPECT_EQ(ReadAll(read_end.get()), FdTarget(1) + "\n");
  EXPECT_EQ(pid->Wait(), 0);
}

TEST(SpawnTest, AnFdMayBeItsOwnTarget) {
  // Our fd 0 as the child's 0: dup2 onto itself must still clear close-on-exec.
  auto pid = Spawn({.argv = {"/bin/sh", "-c", "[ -e /proc/$$/fd/0 ]"},
                    .env = {},
                    .fds = {ParentFd{0}},
                    .cwd = "",
                    .group = ChildGroup::kNewProcessGroup});
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(pid->Wait(), 0);
}

TEST(SpawnTest, RunsInTheGivenDirectoryAndSession) {
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd read_end(out[0]), write_end(out[1]);
  auto pid = Spawn(
      {.argv = {"/bin/sh", "-c", "pwd; set -- $(cat /proc/$$/stat); [ $6 -eq $$ ] && echo leader"},
       .env = {"PATH=/usr/bin:/bin"},
       .fds = {DevNull(O_RDONLY), ParentFd{write_end.get()}, DevNull(O_WRONLY)},
       .cwd = "/proc",
       .group = ChildGroup::kNewSession});
  ASSERT_TRUE(pid.ok()) << pid.status();
  write_end.Reset();
  EXPECT_EQ(ReadAll(read_end.get()), "/proc\nleader\n");
  EXPECT_EQ(pid->Wait(), 0);
}

TEST(SpawnTest, MissingSourceIsAnError) {
  auto pid = Spawn({.argv = {"/bin/true"},
                    .env = {},
                    .fds = {ParentFd{-1}},
                    .cwd = "",
                    .group = ChildGroup::kNewProcessGroup});
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SpawnTest, MissingBinaryIsNotFound) {
  auto pid = Spawn({.argv = {"/nonexistent/runtime"},
                    .env = {},
                    .fds = {},
                    .cwd = "",
                    .group = ChildGroup::kNewProcessGroup});
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kNotFound);
}

TEST(ChildTest, WaitTimesOutWhileItRunsThenReaps) {
  auto child = Spawn({.argv = {"/bin/sh", "-c", "sleep 0.3; exit 7"},
                      .env = {"PATH=/usr/bin:/bin"},
                      .fds = {DevNull(O_RDONLY), DevNull(O_WRONLY), DevNull(O_WRONLY)},
                      .cwd = "",
                      .group = ChildGroup::kNewProcessGroup});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->Wait(std::chrono::milliseconds(0)), std::nullopt);
  EXPECT_EQ(child->Wait(std::chrono::seconds(10)), 7);
  EXPECT_EQ(child->Wait(), 7);  // reaped once, answered again
}

TEST(ChildTest, KillReachesTheWholeGroup) {
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd read_end(out[0]), write_end(out[1]);
  auto child = Spawn({.argv = {"/bin/sh", "-c", "sleep 600 & echo $!; wait"},
                      .env = {"PATH=/usr/bin:/bin"},
                      .fds = {DevNull(O_RDONLY), ParentFd{write_end.get()}, DevNull(O_WRONLY)},
                      .cwd = "",
                      .group = ChildGroup::kNewProcessGroup});
  ASSERT_TRUE(child.ok()) << child.status();
  write_end.Reset();
  char line[32] = {};
  ASSERT_GT(::read(read_end.get(), line, sizeof line - 1), 0);
  const pid_t grandchild = std::atoi(line);
  child->Kill(SIGKILL);
  EXPECT_EQ(child->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  for (int i = 0; i < 100 && ::kill(grandchild, 0) == 0; ++i) ::usleep(20000);
  EXPECT_NE(::kill(grandchild, 0), 0);  // gone (init reaps it)
}

absl::StatusOr<Child> SpawnSleeper() {
  return Spawn({.argv = {"/bin/sleep", "600"},
                .env = {},
                .fds = {DevNull(O_RDONLY), DevNull(O_WRONLY), DevNull(O_WRONLY)},
                .cwd = "",
                .group = ChildGroup::kNewProcessGroup});
}

TEST(ChildTest, DestroyingAnAttachedChildKillsAndReapsIt) {
  pid_t pid = -1;
  {
    auto child = SpawnSleeper();
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);  // reaped already: not our child any more
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildTest, ADetachedChildIsLeftAlone) {
  pid_t pid = -1;
  {
    auto child = SpawnSleeper();
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
    child->Detach();
  }
  EXPECT_EQ(::kill(pid, 0), 0);  // still runs
  ::kill(pid, SIGKILL);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
}

}  // namespace
}  // namespace crio::sys
