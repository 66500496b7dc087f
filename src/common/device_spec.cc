#include "common/device_spec.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "fmt/format.h"

namespace crio {
namespace {

bool IsDeviceMode(std::string_view mode) {
  if (mode.empty() || mode.size() > 3) return false;
  std::string seen;
  for (const char c : mode) {
    if (std::string_view("rwm").find(c) == std::string_view::npos) return false;
    if (seen.find(c) != std::string::npos) return false;
    seen += c;
  }
  return true;
}

absl::Status InvalidMode(std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("invalid device mode: {}", what));
}

}  // namespace

absl::StatusOr<DeviceSpec> ParseDeviceSpec(std::string_view text) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3 || parts[0].empty()) {
    return absl::InvalidArgumentError(fmt::format("invalid device specification: {}", text));
  }
  DeviceSpec spec{.host_path = std::string(parts[0])};
  if (parts.size() == 3) {
    if (!IsDeviceMode(parts[2])) return InvalidMode(parts[2]);
    spec.permissions = std::string(parts[2]);
  }
  if (parts.size() >= 2) {
    if (IsDeviceMode(parts[1])) {
      spec.permissions = std::string(parts[1]);
    } else if (parts[1].starts_with('/')) {
      spec.container_path = std::string(parts[1]);
    } else {
      return InvalidMode(parts[1]);
    }
  }
  if (spec.container_path.empty()) spec.container_path = spec.host_path;
  if (!spec.container_path.starts_with("/dev/")) return InvalidMode(spec.container_path);
  return spec;
}

absl::Status CheckHostDevice(const DeviceSpec& spec) {
  struct stat info {};
  std::string problem;
  if (::stat(spec.host_path.c_str(), &info) != 0) {
    problem = std::strerror(errno);
  } else if (!S_ISCHR(info.st_mode) && !S_ISBLK(info.st_mode)) {
    problem = "not a device node";
  } else {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      fmt::format("{} is not a valid device: {}", spec.host_path, problem));
}

}  // namespace crio
