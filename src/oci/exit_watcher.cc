#include "oci/exit_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <filesystem>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "sys/unix_socket.h"

namespace crio::oci {

ExitWatcher::ExitWatcher(std::string exits_dir, Callback on_exit)
    : exits_dir_(std::move(exits_dir)), on_exit_(std::move(on_exit)) {}

ExitWatcher::~ExitWatcher() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
}

absl::Status ExitWatcher::Start() {
  RETURN_IF_ERROR(sys::MakeDirs(exits_dir_, 0700));
  inotify_.Reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  stop_.Reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!inotify_ || !stop_) return ErrnoToStatus(errno, "inotify for " + exits_dir_);
  // conmon writes the file in place: a new file is complete once it is closed.
  if (::inotify_add_watch(inotify_.get(), exits_dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    return ErrnoToStatus(errno, "watch " + exits_dir_);
  }
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(exits_dir_, ignored)) {
    on_exit_(entry.path().filename().string());
  }
  thread_ = std::thread([this] { Watch(); });
  return absl::OkStatus();
}

void ExitWatcher::Watch() {
  alignas(inotify_event) std::array<char, 8192> buffer;
  for (;;) {
    std::array<pollfd, 2> fds = {pollfd{inotify_.get(), POLLIN, 0}, pollfd{stop_.get(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[1].revents != 0) return;
    ssize_t n;
    while ((n = ::read(inotify_.get(), buffer.data(), buffer.size())) > 0) {
      for (ssize_t offset = 0; offset < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
        if (event->len > 0) on_exit_(event->name);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }
}

absl::StatusOr<int> ReadExitCode(const std::string& exits_dir, const std::string& id) {
  ASSIGN_OR_RETURN(const std::string text, ReadFileToString(exits_dir + "/" + id, 64));
  int code = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), code);
  if (error != std::errc()) return absl::DataLossError("bad exit file for " + id + ": " + text);
  return code;
}

}  // namespace crio::oci
