#include "storage/store_repair.h"

#include <algorithm>
#include <filesystem>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/mounts.h"

namespace crio::storage {
namespace {

using nlohmann::json;

// Whether `id`, read from a record another tool may have written, names no path but its own.
bool IsPlainName(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos;
}

absl::Status Failed(std::string_view what, const std::string& id, const absl::Status& status) {
  return absl::Status(status.code(),
                      fmt::format("deleting {} {}: {}", what, id, AsStd(status.message())));
}

// This store's layer record files held for writing, in the library's order: the graph root's,
// then (with a split image store) the image store's.
absl::StatusOr<std::vector<RecordFile::Writing>> WriteLayerHomes(StoreFiles& files) {
  std::vector<RecordFile::Writing> homes;
  if (files.graph_layers != nullptr) {
    ASSIGN_OR_RETURN(RecordFile::Writing graph, files.graph_layers->Write());
    homes.push_back(std::move(graph));
  }
  ASSIGN_OR_RETURN(RecordFile::Writing layers, files.layers->Write());
  homes.push_back(std::move(layers));
  return homes;
}

// FAILED_PRECONDITION, in the library's words, when an image or a container of this store
// still stands on layer `id`. REQUIRES: the layer records held for writing (they come first).
absl::Status RefuseUsedLayer(StoreFiles& files, const std::string& id) {
  for (RecordFile* images : {files.images.get(), files.graph_images.get()}) {
    if (images == nullptr) continue;
    ASSIGN_OR_RETURN(const RecordFile::Snapshot snapshot, images->Read());
    for (const json& image : *snapshot.records) {
      if (StringField(image, "layer") == id) {
        return absl::FailedPreconditionError(
            fmt::format("layer {} used by image {}: layer is in use by an image", id,
                        StringField(image, "id")));
      }
    }
  }
  ASSIGN_OR_RETURN(const RecordFile::Snapshot containers, files.containers->Read());
  for (const json& container : *containers.records) {
    if (StringField(container, "layer") == id) {
      return absl::FailedPreconditionError(
          fmt::format("layer {} used by container {}: layer is in use by a container", id,
                      StringField(container, "id")));
    }
  }
  return absl::OkStatus();
}

// Unmounts layer `id` wherever `dirs` mount it, and forgets the mount, as the library's
// forced Unmount does before a damaged layer is deleted.
absl::Status ForceUnmount(StoreFiles& files, const OverlayDirs& dirs, const std::string& id) {
  const std::string merged = dirs.MergedDir(id);
  if (sys::IsMountPoint(merged)) RETURN_IF_ERROR(sys::Unmount(merged));
  if (files.mountpoints == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(RecordFile::Writing mounts, files.mountpoints->Write());
  if (FindRecord(mounts.records(), id) == nullptr) return absl::OkStatus();
  EraseRecord(mounts.records(), id);
  return mounts.Save();
}

// Deletes the recorded layer `id`, as the library's DeleteLayer: not while another layer, an
// image or a container stands on it. OK when it is no longer recorded.
absl::Status DeleteLayer(StoreFiles& files, const std::string& id) {
  ASSIGN_OR_RETURN(std::vector<RecordFile::Writing> homes, WriteLayerHomes(files));
  RecordFile::Writing* holder = nullptr;
  for (RecordFile::Writing& home : homes) {
    if (FindRecord(home.records(), id) != nullptr) holder = &home;
    for (const json& layer : home.records()) {
      if (StringField(layer, "parent") == id) {
        return absl::FailedPreconditionError(
            fmt::format("used by layer {}: layer has children", StringField(layer, "id")));
      }
    }
  }
  if (holder == nullptr) return absl::OkStatus();  // gone with its image, or since the check
  RETURN_IF_ERROR(RefuseUsedLayer(files, id));
  RETURN_IF_ERROR(ForceUnmount(files, files.DirsOf(*holder), id));
  return files.DeleteLayers(*holder, {id});
}

// Removes the overlay dir `id` under the graph root `root`, which no record named when the
// store was checked, unless a writer has recorded it since.
absl::Status RemoveUnaccounted(StoreFiles& files, const std::string& id, const std::string& root) {
  ASSIGN_OR_RETURN(std::vector<RecordFile::Writing> homes, WriteLayerHomes(files));
  for (RecordFile::Writing& home : homes) {
    if (FindRecord(home.records(), id) != nullptr) {
      log::Info("Layer {} has been recorded since the check; it stays", id);
      return absl::OkStatus();
    }
  }
  const OverlayDirs& dirs = root == files.image_root ? files.overlay : files.container_overlay;
  return dirs.Remove(id);
}

// The damaged layers in the order the library removes them: recorded ones farthest from a base
// layer first (so children go before their parents), then the unaccounted dirs.
std::vector<std::string> LayersToDelete(const CheckReport& report) {
  const auto depth = [&report](const std::string& id) {
    int layers_below = 0;
    for (auto it = report.layer_parents.find(id);
         it != report.layer_parents.end() && !it->second.empty() && layers_below < 1000;
         it = report.layer_parents.find(it->second)) {
      ++layers_below;
    }
    return layers_below;
  };
  std::vector<std::string> ids;
  for (const auto& [id, problems] : report.layers) ids.push_back(id);
  std::stable_sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
    const bool a_unaccounted = report.unaccounted.contains(a);
    const bool b_unaccounted = report.unaccounted.contains(b);
    if (a_unaccounted != b_unaccounted) return b_unaccounted;
    return depth(a) > depth(b);
  });
  return ids;
}

}  // namespace

std::vector<absl::Status> RepairStore(const CheckReport& report, const RepairOptions& options,
                                      ImageStore& images, ContainerLayers& containers) {
  std::vector<absl::Status> errors;
  const auto attempt = [&errors](std::string_view what, const std::string& id,
                                 const std::function<absl::Status()>& remove) {
    absl::Status removed =
        IsPlainName(id) ? remove() : absl::InvalidArgumentError("not a plain name: left alone");
    if (removed.ok()) {
      log::Debug("Deleted {} {}", what, id);
    } else {
      errors.push_back(Failed(what, id, removed));
    }
  };
  if (options.remove_containers) {
    for (const auto& [id, problems] : report.containers) {
      attempt("container", id, [&] { return containers.Delete(id); });
    }
  }
  for (const auto& [id, problems] : report.images) {
    attempt("image", id, [&] { return images.RemoveImage(id); });
  }
  StoreFiles& files = images.files();
  for (const std::string& id : LayersToDelete(report)) {
    const auto unaccounted = report.unaccounted.find(id);
    if (unaccounted != report.unaccounted.end()) {
      attempt("storage layer", id,
              [&] { return RemoveUnaccounted(files, id, unaccounted->second); });
    } else {
      attempt("layer", id, [&] { return DeleteLayer(files, id); });
    }
  }
  return errors;
}

absl::Status WipeStore(StoreFiles& files, bool force) {
  std::vector<std::string> roots = {files.root};
  if (files.image_root != files.root) roots.push_back(files.image_root);
  std::vector<std::string> mounts;
  for (const std::string& root : roots) {
    if (root.empty() || root == "/") {
      return absl::FailedPreconditionError(fmt::format("refusing to wipe {:?}", root));
    }
    for (const std::string& mount : sys::MountPointsUnder(root)) mounts.push_back(mount);
  }
  // The overlay homes are mount points of their own when idle; anything else mounted is a
  // layer in use, as the library's Shutdown finds them.
  const auto home = [&files](const std::string& mount) {
    return mount == files.overlay.Home() || mount == files.container_overlay.Home();
  };
  const bool in_use = std::any_of(mounts.begin(), mounts.end(),
                                  [&](const std::string& mount) { return !home(mount); });
  if (in_use && !force) {
    return absl::FailedPreconditionError(
        "failed to shutdown storage: layer is in use by a container");
  }
  for (const std::string& mount : mounts) RETURN_IF_ERROR(sys::Unmount(mount));
  for (const std::string& root : roots) {
    std::error_code error;
    std::filesystem::remove_all(root, error);
    if (error) return ErrnoToStatus(error.value(), "failed to remove storage directory " + root);
  }
  return absl::OkStatus();
}

}  // namespace crio::storage
