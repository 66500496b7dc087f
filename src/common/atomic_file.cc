#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/errno_status.h"
#include "fmt/format.h"

namespace crio {
namespace {

absl::Status WriteAll(int fd, std::string_view content, const std::string& what) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, fmt::format("write {}", what));
    content.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, std::string_view content, int mode) {
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return ErrnoToStatus(errno, fmt::format("create {}", temp));
  // Exactly `mode`, whatever the umask: files shared with containers (resolv.conf, hosts)
  // must stay readable by them, and state files never become readable by others.
  absl::Status status = ::fchmod(fd, static_cast<mode_t>(mode)) == 0
                            ? absl::OkStatus()
                            : ErrnoToStatus(errno, fmt::format("chmod {}", temp));
  if (status.ok()) status = WriteAll(fd, content, temp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoToStatus(errno, fmt::format("fsync {}", temp));
  ::close(fd);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoToStatus(errno, fmt::format("rename {} to {}", temp, path));
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  const std::string dir = path.substr(0, path.rfind('/') + 1);
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

}  // namespace crio
