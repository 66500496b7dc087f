// A device as crio.conf's additional_devices and the devices.crio.io annotation name it:
// "HOST[:CONTAINER][:PERMISSIONS]", parsed by CRI-O's rules (containers/common's
// ParseDevice): CONTAINER defaults to HOST and PERMISSIONS ("r", "w", "m", each at most
// once) to "rwm"; a second field that is a permission set is the permissions; the device
// must land under /dev/. Errors are worded as CRI-O words them ("invalid device mode: X").
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace crio {

struct DeviceSpec {
  std::string container_path;
  std::string host_path;
  std::string permissions = "rwm";
};

absl::StatusOr<DeviceSpec> ParseDeviceSpec(std::string_view text);

// OK when `spec`'s host path is a character or block device; else INVALID_ARGUMENT as
// CRI-O words it: "HOST is not a valid device: …".
absl::Status CheckHostDevice(const DeviceSpec& spec);

}  // namespace crio
