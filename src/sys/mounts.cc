#include "sys/mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "fmt/format.h"
#include "sys/unix_socket.h"

namespace crio::sys {

absl::Status MountTmpfs(const std::string& target, const std::string& options) {
  if (auto made = MakeDirs(target, 0755); !made.ok()) return made;
  if (::mount("shm", target.c_str(), "tmpfs", MS_NODEV | MS_NOSUID | MS_NOEXEC, options.c_str()) !=
      0) {
    return ErrnoToStatus(errno, "mount a tmpfs at " + target);
  }
  return absl::OkStatus();
}

absl::Status BindMount(const std::string& source, const std::string& target) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return ErrnoToStatus(errno, fmt::format("bind-mount {} at {}", source, target));
  }
  return absl::OkStatus();
}

absl::Status Unmount(const std::string& target) {
  if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return ErrnoToStatus(errno, "unmount " + target);
  }
  return absl::OkStatus();
}

absl::Status MakePrivateMountPoint(const std::string& path) {
  if (!IsMountPoint(path) && ::mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return ErrnoToStatus(errno, "bind-mount " + path + " onto itself");
  }
  if (::mount(nullptr, path.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) {
    return ErrnoToStatus(errno, "make " + path + " a private mount");
  }
  return absl::OkStatus();
}

bool IsMountPoint(const std::string& path) {
  // /proc/self/mountinfo's fifth field is the mount point (octal-escaped spaces aside).
  std::istringstream mountinfo(ReadFileToString("/proc/self/mountinfo").value_or(""));
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    if (field == path) return true;
  }
  return false;
}

std::vector<std::string> MountPointsUnder(const std::string& dir) {
  std::istringstream mountinfo(ReadFileToString("/proc/self/mountinfo").value_or(""));
  std::vector<std::string> found;
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    if (field == dir || field.starts_with(dir + "/")) found.push_back(field);
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

}  // namespace crio::sys
