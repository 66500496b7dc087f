// ConmonRuntime's attach: conmon listens on ATTACH_SOCKET_DIR/ID/attach (a SOCK_SEQPACKET
// socket; ID links to the bundle) and takes terminal resizes on the bundle's ctl fifo.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errno_status.h"
#include "fmt/format.h"
#include "oci/conmon_runtime.h"

namespace crio::oci {

absl::StatusOr<sys::UniqueFd> ConmonRuntime::ConnectAttach(const std::string& id) {
  // Through the directory's fd: the socket's full path may not fit in sun_path.
  const std::string dir = options_.attach_socket_dir + "/" + id;
  sys::UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return ErrnoToStatus(errno, "open the attach socket dir " + dir);
  sys::UniqueFd socket(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!socket) return ErrnoToStatus(errno, "make an attach socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = fmt::format("/proc/self/fd/{}/attach", dir_fd.get());
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return ErrnoToStatus(errno, "connect to the attach socket of container " + id);
  }
  return socket;
}

namespace {

// Writes `message` to conmon's control fifo in `bundle`: "1 ROWS COLUMNS" resizes the
// terminal, "2 0 0" reopens the log file.
absl::Status TellMonitor(const std::string& bundle, const std::string& message) {
  const std::string ctl = bundle + "/ctl";
  sys::UniqueFd fifo(::open(ctl.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) return ErrnoToStatus(errno, "open conmon's control fifo " + ctl);
  if (::write(fifo.get(), message.data(), message.size()) != static_cast<ssize_t>(message.size())) {
    return ErrnoToStatus(errno, "write to " + ctl);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConmonRuntime::ResizeTerminal(const std::string& bundle, uint16_t width,
                                           uint16_t height) {
  return TellMonitor(bundle, fmt::format("1 {} {}\n", height, width));
}

absl::Status ConmonRuntime::ReopenLog(const std::string& bundle) {
  return TellMonitor(bundle, "2 0 0\n");
}

}  // namespace crio::oci
