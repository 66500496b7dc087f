#include "storage/foreign_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <vector>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

// Files containers/storage writes and crio never does.
constexpr const char* kForeignMarkers[] = {
    "storage.lock",
    "userns.lock",
    "overlay-layers",
    "overlay-images/images.json",
    "overlay-images/images.lock",
    "overlay-containers/containers.json",
    "overlay-containers/containers.lock",
    "vfs",
    "vfs-layers",
    "btrfs",
    "libpod",
};

bool Exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

bool HasEntries(const std::string& dir) {
  std::error_code error;
  return fs::directory_iterator(dir, error) != fs::directory_iterator();
}

}  // namespace

absl::Status CheckNoForeignStore(const std::string& root) {
  std::vector<std::string> found;
  for (const char* marker : kForeignMarkers) {
    if (Exists(root + "/" + marker)) found.emplace_back(marker);
  }
  if (found.empty() && !Exists(root + "/images.db") && HasEntries(root + "/overlay")) {
    found.emplace_back("overlay/ without crio's images.db");
  }
  if (found.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(fmt::format(
      "the storage root {} holds containers/storage data that crio did not create ({}); crio "
      "keeps its own layout and would not share it safely with CRI-O, podman or skopeo: set "
      "[crio] root (--root) to a directory of crio's own. Nothing in {} was changed",
      root, fmt::join(found, ", "), root));
}

}  // namespace crio::storage
