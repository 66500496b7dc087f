#include "sys/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <vector>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::sys {

absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string relative = path.empty() ? "." : path;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof(how));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) return ErrnoToStatus(errno, fmt::format("open {} inside its root", relative));
  return UniqueFd(static_cast<int>(fd));
}

namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's MAXSYMLINKS

// Prepends the components of `path` to `pending` (the next component first).
void PushComponents(const std::string& path, std::deque<std::string>& pending) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  pending.insert(pending.begin(), parts.begin(), parts.end());
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string path;
  for (const std::string& part : parts) path += "/" + part;
  return path.empty() ? "/" : path;
}

}  // namespace

absl::StatusOr<std::string> ResolveInRoot(int root_fd, const std::string& path) {
  std::vector<std::string> resolved;
  std::deque<std::string> pending;
  PushComponents(path, pending);
  int links = 0;
  while (!pending.empty()) {
    const std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(part);
    const std::string relative = Joined(resolved).substr(1);
    char target[4096];
    const ssize_t n = ::readlinkat(root_fd, relative.c_str(), target, sizeof(target) - 1);
    // Not a symlink (EINVAL), or absent (ENOENT: the runtime creates it as written).
    if (n < 0) continue;
    if (++links > kMaxSymlinks) {
      return absl::InvalidArgumentError(fmt::format("{}: too many levels of symbolic links", path));
    }
    resolved.pop_back();
    const std::string link(target, static_cast<size_t>(n));
    if (link.starts_with('/')) resolved.clear();
    PushComponents(link, pending);
  }
  return Joined(resolved);
}

absl::StatusOr<UniqueFd> OpenFileInRoot(int root_fd, const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root_fd, path, O_PATH));
  RETURN_IF_ERROR(RequireRegularFile(pinned.get(), path));
  // Reopening the pinned inode through /proc reads exactly the file that was checked.
  const std::string self = fmt::format("/proc/self/fd/{}", pinned.get());
  UniqueFd file(::open(self.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!file) return ErrnoToStatus(errno, fmt::format("open {}", path));
  return file;
}

absl::StatusOr<std::string> ReadFileInRoot(int root_fd, const std::string& path,
                                           uint64_t max_bytes) {
  ASSIGN_OR_RETURN(UniqueFd file, OpenFileInRoot(root_fd, path));
  return ReadFdToString(file.get(), path, max_bytes);
}

}  // namespace crio::sys
