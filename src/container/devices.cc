#include "container/devices.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>

#include "common/errno_status.h"
#include "fmt/format.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

spec::Device FromStat(const std::string& container_path, const struct stat& info,
                      const std::string& access) {
  return {.path = container_path,
          .type = S_ISCHR(info.st_mode) ? 'c' : 'b',
          .major = static_cast<int64_t>(major(info.st_rdev)),
          .minor = static_cast<int64_t>(minor(info.st_rdev)),
          .file_mode = info.st_mode & 07777,
          .uid = info.st_uid,
          .gid = info.st_gid,
          .access = access};
}

bool IsDevice(const struct stat& info) { return S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode); }

// Each device node under `dir` (not following links), at `container_dir` + its relative
// path. With `host_rules`, what runc leaves out of a privileged container's host devices is
// skipped: pts, shm, fd and mqueue at the top, hidden directories, console and ptmx.
std::vector<spec::Device> DevicesUnder(const std::string& dir, const std::string& container_dir,
                                       const std::string& access, bool host_rules) {
  std::vector<spec::Device> devices;
  std::error_code error;
  auto walk = fs::recursive_directory_iterator(dir, error);
  for (auto entry = fs::begin(walk); !error && entry != fs::end(walk); entry.increment(error)) {
    const std::string name = entry->path().filename();
    if (host_rules) {
      if (entry->is_directory(error) && !entry->is_symlink(error)) {
        const bool top_skipped = entry.depth() == 0 && (name == "pts" || name == "shm" ||
                                                        name == "fd" || name == "mqueue");
        if (top_skipped || name.starts_with('.')) entry.disable_recursion_pending();
        continue;
      }
      if (name == "console" || name == "ptmx") continue;
    }
    struct stat info {};
    if (::lstat(entry->path().c_str(), &info) != 0 || !IsDevice(info)) continue;
    devices.push_back(FromStat(
        (fs::path(container_dir) / fs::relative(entry->path(), dir)).string(), info, access));
  }
  return devices;
}

}  // namespace

absl::StatusOr<std::vector<DeviceRequest>> ParseDevicesAnnotation(
    std::string_view value, const std::vector<std::string>& allowed) {
  std::vector<DeviceRequest> devices;
  for (size_t start = 0; start <= value.size();) {
    const size_t comma = std::min(value.find(',', start), value.size());
    const std::string_view entry = value.substr(start, comma - start);
    start = comma + 1;
    if (entry.empty()) continue;
    auto device = ParseDeviceSpec(entry);
    if (!device.ok()) return device.status();
    if (std::find(allowed.begin(), allowed.end(), device->host_path) == allowed.end()) {
      return absl::InvalidArgumentError(
          fmt::format("devices annotation: device {} is not in allowed_devices",
                      device->host_path));
    }
    devices.push_back(std::move(*device));
  }
  return devices;
}

absl::StatusOr<std::vector<spec::Device>> ContainerDevices(
    const std::vector<DeviceRequest>& requests) {
  std::vector<spec::Device> devices;
  for (const DeviceRequest& device : requests) {
    if (!device.container_path.starts_with('/') || !device.host_path.starts_with('/')) {
      return absl::InvalidArgumentError(fmt::format("device {} -> {}: both paths must be absolute",
                                                    device.host_path, device.container_path));
    }
    const std::string access = device.permissions.empty() ? "rwm" : device.permissions;
    if (access.find_first_not_of("rwm") != std::string::npos) {
      return absl::InvalidArgumentError(
          fmt::format("device {}: permissions \"{}\" must be some of rwm", device.host_path,
                      device.permissions));
    }
    struct stat info {};
    if (::stat(device.host_path.c_str(), &info) != 0) {
      return ErrnoToStatus(errno, "device " + device.host_path);
    }
    std::vector<spec::Device> found;
    if (S_ISDIR(info.st_mode)) {
      found = DevicesUnder(device.host_path, device.container_path, access, /*host_rules=*/false);
    } else if (IsDevice(info)) {
      found.push_back(FromStat(device.container_path, info, access));
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "{} is not a character or block device, nor a directory of them", device.host_path));
    }
    for (spec::Device& added : found) {
      std::erase_if(devices, [&](const spec::Device& d) { return d.path == added.path; });
      devices.push_back(std::move(added));
    }
  }
  return devices;
}

std::vector<spec::Device> HostDevices(const std::string& dev_root) {
  return DevicesUnder(dev_root, "/dev", "rwm", /*host_rules=*/true);
}

}  // namespace crio::container
