// The devices a container gets, as CRI-O gives them: the CRI request's own (a directory
// stands for every device under it), the configured additional_devices, those a pod asks
// for with the devices.crio.io annotation (only from allowed_devices, and only where the
// runtime handler allows that annotation), and, for privileged containers, every host
// device. Stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "container/container.h"
#include "spec/container_spec.h"

namespace crio::container {

// The annotation a pod names extra devices with: "HOST[:CONTAINER[:PERMS]],...", under
// CRI-O's current name and the name CRI-O 1.26 gives it. Each is honoured where the pod's
// handler (or workload) allows it.
inline constexpr char kDevicesAnnotation[] = "devices.crio.io";
inline constexpr char kLegacyDevicesAnnotation[] = "io.kubernetes.cri-o.Devices";

// Comma-separated ParseDeviceSpec (common/device_spec.h) entries, each of whose host path
// must be in `allowed`.
absl::StatusOr<std::vector<DeviceRequest>> ParseDevicesAnnotation(
    std::string_view value, const std::vector<std::string>& allowed);

// `requests` as the spec describes them: each host path a character or block device, or a
// directory standing for the devices under it; permissions some of "r", "w" and "m". A
// later request for the same container path replaces an earlier one.
absl::StatusOr<std::vector<spec::Device>> ContainerDevices(
    const std::vector<DeviceRequest>& requests);

// Every character and block device under `dev_root` at its own path, as runc lists the
// host's devices for privileged containers: /dev/pts, /dev/shm, /dev/fd, /dev/mqueue and
// hidden directories are skipped, so are console and ptmx (the runtime makes its own).
std::vector<spec::Device> HostDevices(const std::string& dev_root = "/dev");

}  // namespace crio::container
