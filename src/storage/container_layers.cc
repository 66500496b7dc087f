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
#include "sys/mounts.h"
#include "sys/unix_socket.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

// Linux passes mount options in one page.
constexpr size_t kMaxMountOptions = 4095;
// Short link names: 26 characters of the layer's hex, as containers/storage's are long.
constexpr size_t kShortNameLength = 26;

std::string Hex(const std::string& chain_id) {
  const size_t colon = chain_id.find(':');
  return colon == std::string::npos ? chain_id : chain_id.substr(colon + 1);
}

}  // namespace

std::string ContainerLayers::ContainerDir(const std::string& id) const {
  return fmt::format("{}/overlay-containers/{}", root_, id);
}

std::string ContainerLayers::MountPoint(const std::string& id) const {
  return ContainerDir(id) + "/merged";
}

absl::StatusOr<std::string> ContainerLayers::ShortLink(const std::string& chain_id) const {
  const std::string hex = Hex(chain_id);
  if (hex.size() < kShortNameLength) {
    return absl::InvalidArgumentError("layer id too short: " + chain_id);
  }
  const std::string dir = root_ + "/overlay/l";
  RETURN_IF_ERROR(sys::MakeDirs(dir, 0700));
  const std::string link = dir + "/" + hex.substr(0, kShortNameLength);
  const std::string target = "../" + hex + "/diff";
  if (::symlink(target.c_str(), link.c_str()) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, "link " + link);
  }
  return link;
}

absl::StatusOr<std::string> ContainerLayers::MountOptions(
    const std::string& id, const std::vector<std::string>& layers) const {
  if (layers.empty()) return absl::InvalidArgumentError("the image has no layers");
  std::string lower;
  for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer) {  // top first
    ASSIGN_OR_RETURN(const std::string link, ShortLink(*layer));
    lower += (lower.empty() ? "" : ":") + link;
  }
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

Usage ContainerLayers::WritableUsage(const std::string& id) const {
  return DirectoryUsage(ContainerDir(id) + "/upper");
}

}  // namespace crio::storage
