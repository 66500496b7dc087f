#include "common/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio {
namespace {

const char* FileTypeName(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "not a regular file";
  }
}

}  // namespace

absl::Status RequireRegularFile(int fd, const std::string& name) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ErrnoToStatus(errno, fmt::format("stat {}", name));
  if (S_ISREG(info.st_mode)) return absl::OkStatus();
  // The null device reads as an empty file (`crio -c /dev/null`, as CRI-O takes it).
  if (S_ISCHR(info.st_mode) && info.st_rdev == makedev(1, 3)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      fmt::format("{} is {}, not a regular file; refusing to read it", name,
                  FileTypeName(info.st_mode)));
}

absl::StatusOr<std::string> ReadFdToString(int fd, const std::string& name, uint64_t max_bytes) {
  RETURN_IF_ERROR(RequireRegularFile(fd, name));
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, fmt::format("read {}", name));
    if (n == 0) return content;
    if (content.size() + static_cast<size_t>(n) > max_bytes) {
      return absl::ResourceExhaustedError(
          fmt::format("read {}: larger than {} bytes", name, max_bytes));
    }
    content.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal never
  // becomes crio's controlling terminal. Both are no-ops for the regular files we accept.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return ErrnoToStatus(errno, fmt::format("read {}", path));
  auto content = ReadFdToString(fd, path, max_bytes);
  ::close(fd);
  return content;
}

}  // namespace crio
