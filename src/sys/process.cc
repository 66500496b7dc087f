#include "sys/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/errno_status.h"
#include "sys/unique_fd.h"

namespace crio::sys {
namespace {

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

absl::StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Spawns with the pipes' child ends as fds 0, 1 and 2 (dup2 clears O_CLOEXEC on them).
absl::StatusOr<pid_t> Spawn(const ProcessRequest& request, const Pipe& in, const Pipe& out,
                            const Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);  // the daemon blocks some signals
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  // Its own process group, so a timeout kills whatever it started too.
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) return ErrnoToStatus(error, "spawn " + request.argv[0]);
  return pid;
}

// Feeds stdin and drains stdout/stderr until both close or the deadline passes.
// Returns false on timeout.
bool Exchange(const ProcessRequest& request, UniqueFd in, UniqueFd out, UniqueFd err,
              ProcessResult& result) {
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  size_t written = 0;
  if (request.stdin_data.empty()) in.Reset();
  if (in) ::fcntl(in.get(), F_SETFL, O_NONBLOCK);
  std::array<char, 16384> buffer;
  while (out || err || in) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    std::array<pollfd, 3> fds = {pollfd{in.get(), POLLOUT, 0}, pollfd{out.get(), POLLIN, 0},
                                 pollfd{err.get(), POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    if (in && fds[0].revents != 0) {
      const ssize_t n = ::write(in.get(), request.stdin_data.data() + written,
                                request.stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) in.Reset();
      if (written == request.stdin_data.size()) in.Reset();
    }
    for (auto [fd, sink, revents] : {std::tuple{&out, &result.out, fds[1].revents},
                                     std::tuple{&err, &result.err, fds[2].revents}}) {
      if (!*fd || revents == 0) continue;
      const ssize_t n = ::read(fd->get(), buffer.data(), buffer.size());
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        fd->Reset();
      } else if (n > 0 && sink->size() < request.max_output) {
        sink->append(buffer.data(),
                     std::min(static_cast<size_t>(n), request.max_output - sink->size()));
      }
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<ProcessResult> RunProcess(const ProcessRequest& request) {
  if (request.argv.empty()) return absl::InvalidArgumentError("no program to run");
  auto in = MakePipe();
  auto out = MakePipe();
  auto err = MakePipe();
  if (!in.ok()) return in.status();
  if (!out.ok()) return out.status();
  if (!err.ok()) return err.status();
  auto pid = Spawn(request, *in, *out, *err);
  if (!pid.ok()) return pid.status();
  in->read.Reset();
  out->write.Reset();
  err->write.Reset();
  ProcessResult result;
  if (!Exchange(request, std::move(in->write), std::move(out->read), std::move(err->read),
                result)) {
    ::kill(-*pid, SIGKILL);
    result.timed_out = true;
  }
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = DecodeWaitStatus(status);
  return result;
}

}  // namespace crio::sys
