#include "sandbox/pod_isolation.h"

#include <filesystem>

#include "fmt/format.h"
#include "sys/mounts.h"

namespace crio::sandbox {

absl::StatusOr<sys::PinnedNamespaces> KernelPodIsolation::Pin(const sys::PinRequest& request) {
  return sys::PinNamespaces(request);
}

absl::Status KernelPodIsolation::Unpin(const std::string& path) {
  return sys::UnpinNamespace(path);
}

absl::Status KernelPodIsolation::MountShm(const std::string& path, uint64_t size_bytes) {
  return sys::MountTmpfs(path, fmt::format("mode=1777,size={}", size_bytes));
}

absl::Status KernelPodIsolation::Unmount(const std::string& path) { return sys::Unmount(path); }

std::vector<std::string> KernelPodIsolation::ListPins(const std::string& dir) {
  std::vector<std::string> pins;
  for (const char* kind : {"netns", "ipcns", "utsns"}) {
    std::error_code error;
    for (const auto& pin : std::filesystem::directory_iterator(dir + "/" + kind, error)) {
      pins.push_back(pin.path().string());
    }
  }
  return pins;
}

bool KernelPodIsolation::IsPinned(const std::string& path) { return sys::IsPinnedNamespace(path); }

}  // namespace crio::sandbox
