#include "sandbox/pod_isolation.h"

#include <filesystem>

#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/cgroups.h"
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

absl::Status KernelPodIsolation::BindMount(const std::string& source,
                                           const std::string& target) {
  return sys::BindMount(source, target);
}

absl::Status KernelPodIsolation::Unmount(const std::string& path) { return sys::Unmount(path); }

absl::Status KernelPodIsolation::MakePodCgroup(const std::string& path) {
  ASSIGN_OR_RETURN(const std::vector<sys::CgroupHierarchy> hierarchies,
                   sys::MountedCgroupHierarchies());
  return sys::MakeIdleCgroup(path, hierarchies);
}

absl::Status KernelPodIsolation::RemovePodCgroup(const std::string& path) {
  ASSIGN_OR_RETURN(const std::vector<sys::CgroupHierarchy> hierarchies,
                   sys::MountedCgroupHierarchies());
  return sys::RemoveCgroup(path, hierarchies);
}

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
