#include "sys/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/errno_status.h"
#include "sys/spawn.h"
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
  // Its own process group, so a timeout kills whatever it started too.
  auto child = Spawn(
      {.argv = request.argv,
       .env = request.env,
       .fds = {ParentFd{in->read.get()}, ParentFd{out->write.get()}, ParentFd{err->write.get()}},
       .cwd = "",
       .group = ChildGroup::kNewProcessGroup});
  if (!child.ok()) return child.status();
  in->read.Reset();
  out->write.Reset();
  err->write.Reset();
  ProcessResult result;
  if (!Exchange(request, std::move(in->write), std::move(out->read), std::move(err->read),
                result)) {
    child->Kill(SIGKILL);
    result.timed_out = true;
  }
  result.exit_code = *child->Wait();
  return result;
}

}  // namespace crio::sys
