#include "oci/monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "fmt/format.h"
#include "oci/spawn.h"

namespace crio::oci {
namespace {

constexpr size_t kMaxCmdline = 64 * 1024;

// True when the process behind `pidfd` has exited (readable), after waiting up to
// `timeout` (negative: no limit).
bool Exited(int pidfd, std::chrono::milliseconds timeout) {
  pollfd ready{.fd = pidfd, .events = POLLIN, .revents = 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int wait =
        timeout.count() < 0 ? -1 : static_cast<int>(std::max<int64_t>(left.count(), 0));
    const int polled = ::poll(&ready, 1, wait);
    if (polled < 0 && errno == EINTR) continue;
    return polled > 0;
  }
}

bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// Unlinks `name` in `dir` when `removable(its mode)`; an entry (or dir) already gone is fine.
template <typename Removable>
absl::Status UnlinkIf(const std::string& dir, const std::string& name, Removable removable) {
  sys::UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) {
    return errno == ENOENT ? absl::OkStatus() : ErrnoToStatus(errno, "open " + dir);
  }
  struct stat info {};
  if (::fstatat(dir_fd.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? absl::OkStatus() : ErrnoToStatus(errno, "stat " + dir + "/" + name);
  }
  if (!removable(info.st_mode)) return absl::OkStatus();
  if (::unlinkat(dir_fd.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, "remove " + dir + "/" + name);
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<Monitor> Monitor::Find(const std::string& pid_file, const std::string& conmon_path,
                                     const std::string& id) {
  const std::optional<pid_t> pid = ReadPidFile(pid_file);
  if (!pid) return std::nullopt;
  sys::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0)));
  if (!pidfd) return std::nullopt;
  auto cmdline = ReadFileToString(fmt::format("/proc/{}/cmdline", *pid), kMaxCmdline);
  if (!cmdline.ok() || !IsMonitorCommandLine(*cmdline, conmon_path, id)) return std::nullopt;
  // Still running after its command line was read: so that command line was the pidfd's
  // process, not one that took over the pid in between.
  if (Exited(pidfd.get(), std::chrono::milliseconds(0))) return std::nullopt;
  return Monitor(*pid, std::move(pidfd));
}

bool Monitor::Kill(std::chrono::milliseconds timeout) {
  // conmon calls setsid(), so its pid names its process group too: the runtime's create
  // and whatever that started (a runtime's init, a hook) are in it unless they left. The
  // pid cannot name anything else while conmon has not exited (checked just before).
  if (!Exited(pidfd_.get(), std::chrono::milliseconds(0)) && ::getpgid(pid_) == pid_) {
    ::kill(-pid_, SIGKILL);
  }
  ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  return WaitExit(timeout);
}

bool Monitor::WaitExit(std::chrono::milliseconds timeout) const {
  return Exited(pidfd_.get(), timeout);
}

bool IsMonitorCommandLine(std::string_view cmdline, const std::string& conmon_path,
                          const std::string& id) {
  std::vector<std::string_view> args;
  while (!cmdline.empty()) {
    const size_t end = cmdline.find('\0');
    args.push_back(cmdline.substr(0, end));
    if (end == std::string_view::npos) break;
    cmdline.remove_prefix(end + 1);
  }
  if (args.empty() || args[0] != conmon_path) return false;
  for (size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "-c" && args[i + 1] == id) return true;
  }
  return false;
}

std::optional<std::string> LinkedBundle(const std::string& attach_socket_dir,
                                        const std::string& id) {
  if (!IsPlainName(id)) return std::nullopt;
  const std::string link = attach_socket_dir + "/" + id;
  std::string target(PATH_MAX, '\0');
  const ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
  if (n <= 0 || static_cast<size_t>(n) >= target.size()) return std::nullopt;
  target.resize(static_cast<size_t>(n));
  return target;
}

absl::Status RemoveMonitorEntries(const std::string& attach_socket_dir,
                                  const std::string& exits_dir, const std::string& id) {
  if (!IsPlainName(id)) {
    return absl::InvalidArgumentError(fmt::format("container id \"{}\" is not a file name", id));
  }
  // The attach dir is crio's run dir by default (crio.sock lives there): only what
  // conmon makes goes.
  absl::Status removed =
      UnlinkIf(attach_socket_dir, id, [](mode_t mode) { return S_ISLNK(mode) || S_ISSOCK(mode); });
  removed.Update(UnlinkIf(exits_dir, id, [](mode_t mode) { return !S_ISDIR(mode); }));
  return removed;
}

}  // namespace crio::oci
