#include "stream/exec_session.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "stream/pumps.h"
#include "sys/unique_fd.h"

namespace crio::stream {
namespace {

// Our ends of the process's stdio; `child` holds the ends it gets until it started.
struct ExecFds {
  sys::UniqueFd in, out, err;  // ours: write to in, read from out and err
  sys::UniqueFd terminal;      // ours: the pty master
  std::vector<sys::UniqueFd> child;
  oci::ExecStdio stdio;
};

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A new pty, both ends close-on-exec from the moment they exist (openpty cannot do that:
// its fds would reach a child another thread spawns before FD_CLOEXEC was set).
absl::StatusOr<ExecFds> TerminalFds() {
  ExecFds fds;
  fds.terminal.Reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!fds.terminal) return ErrnoToStatus(errno, "allocate a terminal");
  const int master = fds.terminal.get();
  if (::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    return ErrnoToStatus(errno, "unlock the terminal");
  }
  char name[64];
  if (::ptsname_r(master, name, sizeof name) != 0) return ErrnoToStatus(errno, "name the terminal");
  // Ours keeps the terminal from hanging up before the runtime opened it.
  sys::UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return ErrnoToStatus(errno, "open the terminal");
  fds.child.push_back(std::move(slave));
  SetNonBlocking(master);
  fds.stdio.terminal = name;
  return fds;
}

// A pipe for one stream the client asked for, else /dev/null.
absl::Status AddStream(bool wanted, bool child_reads, sys::UniqueFd& ours, int& child_fd,
                       std::vector<sys::UniqueFd>& child) {
  if (!wanted) {
    sys::UniqueFd null(::open("/dev/null", (child_reads ? O_RDONLY : O_WRONLY) | O_CLOEXEC));
    if (!null) return ErrnoToStatus(errno, "open /dev/null");
    child_fd = null.get();
    child.push_back(std::move(null));
    return absl::OkStatus();
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "make a pipe");
  ours.Reset(child_reads ? ends[1] : ends[0]);
  SetNonBlocking(ours.get());
  child_fd = child_reads ? ends[0] : ends[1];
  child.emplace_back(child_fd);
  return absl::OkStatus();
}

absl::StatusOr<ExecFds> PipeFds(const CommandStreams& streams) {
  ExecFds fds;
  RETURN_IF_ERROR(AddStream(streams.stdin != nullptr, true, fds.in, fds.stdio.in, fds.child));
  RETURN_IF_ERROR(AddStream(streams.stdout != nullptr, false, fds.out, fds.stdio.out, fds.child));
  RETURN_IF_ERROR(AddStream(streams.stderr != nullptr, false, fds.err, fds.stdio.err, fds.child));
  return fds;
}

}  // namespace

absl::StatusOr<int> RunExec(const CommandStreams& streams, bool tty, const ExecStarter& start) {
  ASSIGN_OR_RETURN(ExecFds fds, tty ? TerminalFds() : PipeFds(streams));
  ASSIGN_OR_RETURN(std::unique_ptr<oci::ExecProcess> process, start(fds.stdio));
  if (!tty) fds.child.clear();  // with a terminal, our slave keeps it from hanging up early

  std::atomic<bool> exited{false};
  std::atomic<bool> client_gone{false};
  std::vector<std::thread> inputs;
  std::vector<std::thread> outputs;
  // A helper the budget (or the system) refuses ends the exec: the process is killed and
  // the client told why.
  absl::Status helpers = absl::OkStatus();
  const auto start_helper = [&](std::vector<std::thread>& into, absl::AnyInvocable<void()> body) {
    StartHelperThread(streams.budget, into, helpers, std::move(body));
  };
  const int input_fd = tty ? fds.terminal.get() : fds.in.get();
  if (streams.stdin != nullptr && input_fd >= 0) {
    start_helper(inputs, [&] {
      PumpToFd(*streams.stdin, input_fd, exited);
      if (!tty) fds.in.Reset();  // the process sees the end of its input
    });
  }
  if (tty && streams.resize != nullptr) {
    start_helper(inputs, [&] {
      ReadResizeEvents(*streams.resize, [&](TerminalSize size) {
        winsize window{.ws_row = size.height, .ws_col = size.width, .ws_xpixel = 0, .ws_ypixel = 0};
        ::ioctl(fds.terminal.get(), TIOCSWINSZ, &window);
      });
    });
  }
  const auto pump_out = [&](int fd, Channel* to) {
    if (fd < 0 || to == nullptr) return;
    start_helper(outputs, [&, fd, to] {
      if (PumpFromFd(fd, *to, [&] { return exited.load(); }) == PumpEnd::kClientGone) {
        client_gone = true;
      }
    });
  };
  pump_out(tty ? fds.terminal.get() : fds.out.get(), streams.stdout.get());
  pump_out(tty ? -1 : fds.err.get(), streams.stderr.get());

  std::optional<int> code;
  bool killed = false;
  while (!(code = process->Wait(kPumpTick))) {
    if (!killed && (!helpers.ok() || client_gone || streams.client_gone())) {
      process->Kill();  // nobody is left to read its output or give it input
      killed = true;
    }
  }
  fds.child.clear();
  exited = true;
  for (std::thread& output : outputs) output.join();
  if (streams.stdin != nullptr) streams.stdin->StopReading();
  if (streams.resize != nullptr) streams.resize->StopReading();
  for (std::thread& input : inputs) input.join();
  if (streams.stdout != nullptr) streams.stdout->CloseWrite();
  if (streams.stderr != nullptr) streams.stderr->CloseWrite();
  if (!helpers.ok()) return helpers;
  return *code;
}

}  // namespace crio::stream
