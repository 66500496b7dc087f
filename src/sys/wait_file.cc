#include "sys/wait_file.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/errno_status.h"
#include "fmt/format.h"
#include "sys/unique_fd.h"

namespace crio::sys {
namespace {

bool Exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace

absl::Status WaitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  if (Exists(path)) return absl::OkStatus();
  UniqueFd watcher(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!watcher) return ErrnoToStatus(errno, "inotify_init1");
  const std::string dir = std::filesystem::path(path).parent_path();
  if (::inotify_add_watch(watcher.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
    return ErrnoToStatus(errno, "watch " + dir);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Exists(path)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(
          fmt::format("{} was not created within {} ms", path, timeout.count()));
    }
    pollfd ready{.fd = watcher.get(), .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return ErrnoToStatus(errno, "poll inotify");
    }
    char events[4096];
    while (::read(watcher.get(), events, sizeof events) > 0) {  // drain; the loop re-checks
    }
  }
  return absl::OkStatus();
}

}  // namespace crio::sys
