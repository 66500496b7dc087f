#include "storage/container_layers.h"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "storage/record_file.h"
#include "sys/mounts.h"
#include "sys/unix_socket.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

// Linux passes mount options in one page.
constexpr size_t kMaxMountOptions = 4095;

}  // namespace

std::string ContainerLayers::ContainerDir(const std::string& id) const {
  return fmt::format("{}/overlay-containers/{}", root_, id);
}

std::string ContainerLayers::MountPoint(const std::string& id) const {
  return ContainerDir(id) + "/merged";
}

absl::StatusOr<std::string> ContainerLayers::MountOptions(
    const std::string& id, const std::vector<std::string>& layers) const {
  if (layers.empty()) return absl::InvalidArgumentError("the image has no layers");
  ASSIGN_OR_RETURN(const std::string lower, overlay_.LowerDirsOver(layers.back()));
  const std::string dir = ContainerDir(id);
  std::string options =
      fmt::format("lowerdir={},upperdir={}/upper,workdir={}/work", lower, dir, dir);
  if (options.size() > kMaxMountOptions) {
    return absl::ResourceExhaustedError(
        fmt::format("the image has too many layers ({}) to mount", layers.size()));
  }
  return options;
}

absl::StatusOr<std::string> ContainerLayers::Mount(const std::string& id,
                                                   const std::vector<std::string>& layers) {
  const std::string dir = ContainerDir(id);
  ASSIGN_OR_RETURN(const std::string options, MountOptions(id, layers));
  for (const char* sub : {"upper", "work", "merged"}) {
    if (auto made = sys::MakeDirs(dir + "/" + sub, 0755); !made.ok()) {
      (void)Remove(id);
      return made;
    }
  }
  const std::string merged = MountPoint(id);
  if (::mount("overlay", merged.c_str(), "overlay", 0, options.c_str()) != 0) {
    const absl::Status error = ErrnoToStatus(errno, "mount the overlay at " + merged);
    (void)Remove(id);
    return error;
  }
  return merged;
}

bool ContainerLayers::IsMounted(const std::string& id) const {
  return sys::IsMountPoint(MountPoint(id));
}

absl::Status ContainerLayers::Unmount(const std::string& id) {
  return sys::Unmount(MountPoint(id));
}

absl::Status ContainerLayers::Remove(const std::string& id) {
  RETURN_IF_ERROR(Unmount(id));
  std::error_code error;
  fs::remove_all(ContainerDir(id), error);
  if (error) {
    return absl::InternalError(fmt::format("remove {}: {}", ContainerDir(id), error.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::set<std::string>> ContainerLayers::OtherToolsContainers() {
  ASSIGN_OR_RETURN(auto records, RecordFile::Open(root_ + "/overlay-containers/containers.json",
                                                  root_ + "/overlay-containers/containers.lock"));
  ASSIGN_OR_RETURN(const RecordFile::Snapshot snapshot, records->Read());
  std::set<std::string> ids;
  for (const nlohmann::json& record : *snapshot.records) ids.insert(record.value("id", ""));
  return ids;
}

Usage ContainerLayers::WritableUsage(const std::string& id) const {
  return DirectoryUsage(ContainerDir(id) + "/upper");
}

}  // namespace crio::storage
