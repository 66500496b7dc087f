#include "storage/container_layers.h"

#include <sys/mount.h>

#include <cerrno>
#include <filesystem>

#include "common/errno_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/mounts.h"

namespace crio::storage {
namespace {

using nlohmann::json;

// CRI-O's metadata names the container's pod; podman's and buildah's do not.
bool IsCrios(const json& container) {
  const json metadata = json::parse(StringField(container, "metadata"), nullptr, false);
  return metadata.is_object() && metadata.contains("pod-id");
}

}  // namespace

std::string ContainerLayers::LayerId(const std::string& id) {
  return Sha256Digest("crio container layer " + id).substr(7);
}

std::string ContainerLayers::MountPoint(const std::string& id) const {
  return files_.container_overlay.MergedDir(LayerId(id));
}

bool ContainerLayers::IsMounted(const std::string& id) const {
  return sys::IsMountPoint(MountPoint(id));
}

Usage ContainerLayers::WritableUsage(const std::string& id) const {
  return DirectoryUsage(files_.container_overlay.DiffDir(LayerId(id)));
}

absl::Status ContainerLayers::CreateRecords(const RootfsRequest& request) {
  const std::string layer = LayerId(request.id);
  const std::string& parent = request.layers.back();
  ASSIGN_OR_RETURN(RecordFile::Writing layers, files_.ContainerLayerRecords().Write());
  if (!HasCompleteLayer(layers.records(), layer)) {
    if (!files_.HasStoredLayer(layers.file(), layers.records(), parent)) {
      return absl::FailedPreconditionError(
          fmt::format("the image's top layer {} is not stored", parent));
    }
    RETURN_IF_ERROR(files_.DeleteLayers(layers, {layer}));  // what a dead writer left
    RETURN_IF_ERROR(files_.AddLayer(
        layers, {{"id", layer}, {"parent", parent}, {"created", Rfc3339Now()}}, "", ""));
  }
  ASSIGN_OR_RETURN(RecordFile::Writing containers, files_.containers->Write());
  if (FindRecord(containers.records(), request.id) != nullptr) return absl::OkStatus();
  containers.records().push_back({{"id", request.id},
                                  {"names", {request.name}},
                                  {"image", request.image_id},
                                  {"layer", layer},
                                  {"metadata", request.metadata},
                                  {"created", Rfc3339Now()},
                                  {"flags", {{"MountLabel", ""}, {"ProcessLabel", ""}}}});
  return containers.Save();
}

absl::Status ContainerLayers::RecordMount(const std::string& layer, const std::string& path,
                                          bool mounted) {
  ASSIGN_OR_RETURN(RecordFile::Writing mountpoints, files_.mountpoints->Write());
  const bool present = FindRecord(mountpoints.records(), layer) != nullptr;
  if (present == mounted) return absl::OkStatus();
  EraseRecord(mountpoints.records(), layer);
  if (mounted) mountpoints.records().push_back({{"id", layer}, {"path", path}, {"count", 1}});
  return mountpoints.Save();
}

absl::StatusOr<std::string> ContainerLayers::Mount(const RootfsRequest& request) {
  if (request.layers.empty()) return absl::InvalidArgumentError("the image has no layers");
  RETURN_IF_ERROR(CreateRecords(request));
  const std::string layer = LayerId(request.id);
  const std::string merged = MountPoint(request.id);
  // As the library mounts: under the graph lock, inside the driver's home mount (which
  // another tool that found nothing mounted may have let go of since crio's start).
  ASSIGN_OR_RETURN(LockFile::Held graph, files_.graph_lock->Lock(/*write=*/true));
  RETURN_IF_ERROR(MountHome());
  if (!sys::IsMountPoint(merged)) {
    ASSIGN_OR_RETURN(std::string options, files_.container_overlay.MountOptions(layer));
    // The operator's mountopt (storage options): its flags go to mount(2), its overlayfs
    // options after the layers'.
    const DriverOptions& driver = files_.options;
    if (!driver.mount_data.empty()) options += "," + driver.mount_data;
    if (::mount("overlay", merged.c_str(), "overlay", driver.mount_flags, options.c_str()) != 0) {
      return ErrnoToStatus(errno, "mount the overlay at " + merged);
    }
  }
  RETURN_IF_ERROR(RecordMount(layer, merged, true));
  return merged;
}

absl::Status ContainerLayers::Unmount(const std::string& id) {
  RETURN_IF_ERROR(sys::Unmount(MountPoint(id)));
  return RecordMount(LayerId(id), MountPoint(id), false);
}

absl::Status ContainerLayers::Remove(const std::string& id) {
  RETURN_IF_ERROR(Unmount(id));
  const std::string layer = LayerId(id);
  ASSIGN_OR_RETURN(RecordFile::Writing layers, files_.ContainerLayerRecords().Write());
  ASSIGN_OR_RETURN(RecordFile::Writing containers, files_.containers->Write());
  if (FindRecord(containers.records(), id) != nullptr) {
    EraseRecord(containers.records(), id);
    RETURN_IF_ERROR(containers.Save());
  }
  return files_.DeleteLayers(layers, {layer});
}

absl::Status ContainerLayers::Delete(const std::string& id) {
  ASSIGN_OR_RETURN(const RecordFile::Snapshot snapshot, files_.containers->Read());
  const json* record = FindRecord(*snapshot.records, id);
  const std::string layer = record != nullptr ? StringField(*record, "layer") : "";
  if (!layer.empty() && layer.find('/') == std::string::npos) {
    const std::string merged = files_.container_overlay.MergedDir(layer);
    if (sys::IsMountPoint(merged)) RETURN_IF_ERROR(sys::Unmount(merged));
    RETURN_IF_ERROR(RecordMount(layer, merged, false));
  }
  {
    ASSIGN_OR_RETURN(RecordFile::Writing layers, files_.ContainerLayerRecords().Write());
    ASSIGN_OR_RETURN(RecordFile::Writing containers, files_.containers->Write());
    if (FindRecord(containers.records(), id) != nullptr) {
      EraseRecord(containers.records(), id);
      RETURN_IF_ERROR(containers.Save());
    }
    if (!layer.empty() && FindRecord(layers.records(), layer) != nullptr) {
      RETURN_IF_ERROR(files_.DeleteLayers(layers, {layer}));
    }
  }
  for (const std::string& home : {files_.root, files_.runroot}) {
    const std::string dir = fmt::format("{}/overlay-containers/{}", home, id);
    std::error_code error;
    std::filesystem::remove_all(dir, error);
    if (error) return ErrnoToStatus(error.value(), "remove " + dir);
  }
  return absl::OkStatus();
}

absl::Status ContainerLayers::MountHome() {
  if (files_.options.skip_mount_home) return absl::OkStatus();
  return sys::MakePrivateMountPoint(files_.container_overlay.Home());
}

absl::Status ContainerLayers::UnmountHomeIfIdle() {
  ASSIGN_OR_RETURN(LockFile::Held graph, files_.graph_lock->Lock(/*write=*/true));
  ASSIGN_OR_RETURN(const RecordFile::Snapshot mounts, files_.mountpoints->Read());
  if (!mounts.records->empty() || files_.options.skip_mount_home) return absl::OkStatus();
  return sys::Unmount(files_.container_overlay.Home());
}

absl::StatusOr<RecordedContainers> ContainerLayers::Recorded() {
  ASSIGN_OR_RETURN(const RecordFile::Snapshot snapshot, files_.containers->Read());
  RecordedContainers recorded;
  for (const json& container : *snapshot.records) {
    const bool crios = IsCrios(container);
    (crios ? recorded.crios : recorded.others).insert(StringField(container, "id"));
    if (crios && !StringField(container, "image").empty()) {
      recorded.crio_images.insert(StringField(container, "image"));
    }
  }
  return recorded;
}

}  // namespace crio::storage
