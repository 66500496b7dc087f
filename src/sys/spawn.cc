#include "sys/spawn.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sys/unique_fd.h"

namespace crio::sys {
namespace {

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

absl::Status ActionError(int error, const char* what) {
  return error == 0 ? absl::OkStatus() : ErrnoToStatus(error, what);
}

// The file actions run in order in the child, so a source fd below `count` that is not its
// own target could already be overwritten when its turn comes. Such sources are first
// copied above the targets (close-on-exec, held in `copies` until the spawn is done).
absl::StatusOr<int> SafeSource(int fd, int target, int count, std::vector<UniqueFd>& copies) {
  if (fd < 0) return absl::InvalidArgumentError("a child fd has no source descriptor");
  if (fd == target || fd >= count) return fd;
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, count));
  if (!copy) return ErrnoToStatus(errno, "copy a descriptor for a child");
  copies.push_back(std::move(copy));
  return copies.back().get();
}

// Sets fd i of the child to fds[i] and closes every fd above them. dup2 onto the same
// number clears FD_CLOEXEC (glibc 2.29+), so an inherited fd may be its own target.
absl::Status AddFileActions(const SpawnRequest& request, posix_spawn_file_actions_t& actions,
                            std::vector<UniqueFd>& copies) {
  const int count = static_cast<int>(request.fds.size());
  for (int target = 0; target < count; ++target) {
    if (const auto* file = std::get_if<OpenFile>(&request.fds[target])) {
      RETURN_IF_ERROR(ActionError(
          posix_spawn_file_actions_addopen(&actions, target, file->path.c_str(), file->flags, 0),
          "plan a child's open"));
      continue;
    }
    ASSIGN_OR_RETURN(const int source,
                     SafeSource(std::get<ParentFd>(request.fds[target]).fd, target, count, copies));
    RETURN_IF_ERROR(ActionError(posix_spawn_file_actions_adddup2(&actions, source, target),
                                "plan a child's dup2"));
  }
  RETURN_IF_ERROR(ActionError(posix_spawn_file_actions_addclosefrom_np(&actions, count),
                              "plan a child's closefrom"));
  if (!request.cwd.empty()) {
    RETURN_IF_ERROR(ActionError(posix_spawn_file_actions_addchdir_np(&actions, request.cwd.c_str()),
                                "plan a child's chdir"));
  }
  return absl::OkStatus();
}

// An empty signal mask (the daemon blocks some signals) and SIGPIPE at its default (the
// daemon ignores it), in a new process group or session.
void SetAttributes(ChildGroup group, posix_spawnattr_t& attributes) {
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (group == ChildGroup::kNewSession) {
    flags |= POSIX_SPAWN_SETSID;
  } else {
    posix_spawnattr_setpgroup(&attributes, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attributes, flags);
}

}  // namespace

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Abandon();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
  }
  return *this;
}

std::optional<int> Child::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_ || pid_ <= 0) return exit_code_;
  if (timeout.count() >= 0) {
    UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (!exited) return std::nullopt;  // not ours to wait for
    pollfd ready{.fd = exited.get(), .events = POLLIN, .revents = 0};
    int polled;
    while ((polled = ::poll(&ready, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (polled == 0) return std::nullopt;
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

void Child::Kill(int signal) {
  if (pid_ > 0 && !exit_code_) ::kill(-pid_, signal);
}

void Child::Abandon() {
  if (pid_ <= 0 || exit_code_) return;
  Kill(SIGKILL);
  Wait();
}

absl::StatusOr<Child> Spawn(const SpawnRequest& request) {
  if (request.argv.empty()) return absl::InvalidArgumentError("no program to run");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  absl::Cleanup destroy_actions = [&actions] { posix_spawn_file_actions_destroy(&actions); };
  std::vector<UniqueFd> copies;
  RETURN_IF_ERROR(AddFileActions(request, actions, copies));
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  absl::Cleanup destroy_attributes = [&attributes] { posix_spawnattr_destroy(&attributes); };
  SetAttributes(request.group, attributes);
  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  if (error != 0) return ErrnoToStatus(error, "start " + request.argv[0]);
  return Child(pid);
}

}  // namespace crio::sys
