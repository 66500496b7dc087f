#include "sys/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/unique_fd.h"
#include "sys/unix_socket.h"

namespace crio::sys {
namespace {

// Checks the owner of the open `fd` and clears its group and other bits, down to `mode`.
absl::Status MakePrivate(int fd, const std::string& path, mode_t mode) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ErrnoToStatus(errno, fmt::format("stat {}", path));
  if (info.st_uid != ::geteuid()) {
    return absl::FailedPreconditionError(
        fmt::format("{} is owned by uid {}, not by crio's uid {}; refusing to keep state there",
                    path, info.st_uid, ::geteuid()));
  }
  const mode_t current = info.st_mode & 07777;
  if ((current & 077) == 0) return absl::OkStatus();
  if (::fchmod(fd, mode) != 0) return ErrnoToStatus(errno, fmt::format("chmod {}", path));
  log::Warn("{} was mode {:04o}; tightened to {:04o} so that only root can read crio's state",
            path, current, mode);
  return absl::OkStatus();
}

}  // namespace

absl::Status MakePrivateDir(const std::string& path) {
  RETURN_IF_ERROR(MakeDirs(path, 0700));
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return ErrnoToStatus(errno, fmt::format("open {}", path));
  return MakePrivate(dir.get(), path, 0700);
}

absl::Status MakePrivateFile(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600));
  if (!file) return ErrnoToStatus(errno, fmt::format("open {}", path));
  return MakePrivate(file.get(), path, 0600);
}

absl::Status TightenIfPresent(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return errno == ENOENT ? absl::OkStatus() : ErrnoToStatus(errno, fmt::format("stat {}", path));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(fmt::format("{} is not a regular file", path));
  }
  return MakePrivateFile(path);
}

}  // namespace crio::sys
