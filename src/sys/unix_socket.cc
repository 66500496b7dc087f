#include "sys/unix_socket.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "common/errno_status.h"
#include "fmt/format.h"

namespace crio::sys {
namespace {

absl::StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(fmt::format("socket path \"{}\" must be 1 to {} bytes long",
                                                  path, sizeof(address.sun_path) - 1));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

absl::StatusOr<UniqueFd> NewStreamSocket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoToStatus(errno, "create unix socket");
  return fd;
}

}  // namespace

absl::StatusOr<UniqueFd> ListenUnix(const std::string& path, mode_t mode, int backlog) {
  auto address = UnixAddress(path);
  if (!address.ok()) return address.status();
  auto fd = NewStreamSocket();
  if (!fd.ok()) return fd.status();
  if (::bind(fd->get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0) {
    return ErrnoToStatus(errno, fmt::format("bind {}", path));
  }
  if (::chmod(path.c_str(), mode) != 0) {
    const int error = errno;
    ::unlink(path.c_str());
    return ErrnoToStatus(error, fmt::format("chmod {}", path));
  }
  if (::listen(fd->get(), backlog) != 0) {
    const int error = errno;
    ::unlink(path.c_str());
    return ErrnoToStatus(error, fmt::format("listen on {}", path));
  }
  return fd;
}

absl::StatusOr<UniqueFd> ConnectUnix(const std::string& path) {
  auto address = UnixAddress(path);
  if (!address.ok()) return address.status();
  auto fd = NewStreamSocket();
  if (!fd.ok()) return fd.status();
  int rc;
  do {
    rc = ::connect(fd->get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return ErrnoToStatus(errno, fmt::format("connect to {}", path));
  return fd;
}

absl::StatusOr<UniqueFd> LockFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return ErrnoToStatus(errno, fmt::format("open lock file {}", path));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::UnavailableError(fmt::format("{} is locked by another process", path));
    }
    return ErrnoToStatus(errno, fmt::format("lock {}", path));
  }
  return fd;
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::InvalidArgumentError("empty directory path");
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, fmt::format("mkdir {}", prefix));
    }
    if (slash == std::string::npos) break;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return ErrnoToStatus(errno, fmt::format("stat {}", path));
  if (!S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(fmt::format("{} exists and is not a directory", path));
  }
  return absl::OkStatus();
}

}  // namespace crio::sys
