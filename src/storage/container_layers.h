// ContainerLayers: each container's root filesystem as containers/storage keeps it, so
// podman and buildah see crio's containers (`podman ps --external`) and refuse to remove an
// image one of them uses:
//
//   ROOT/overlay-layers/layers.json   a writable layer on the image's top layer (wherever
//       that is: a split image store's, an additional store's); its ID is derived from the
//       container's, so a crash at any step leaves nothing Remove cannot find
//   ROOT/overlay/LAYER/{diff,work,merged,link,lower}   its upper dir, work dir, mount point
//   ROOT/overlay-containers/containers.json   the container: its name, image, layer and
//       CRI-O's metadata
//   RUNROOT/overlay-layers/mountpoints.json   where the layer is mounted
//
// The layer is recorded "incomplete" while its dirs are made, as the library does.
// Thread-safe: the record files' locks serialize the records; every path belongs to one
// container.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "storage/container_rootfs.h"
#include "storage/store_files.h"
#include "storage/usage.h"

namespace crio::storage {

class ContainerLayers final : public ContainerRootfs {
 public:
  // REQUIRES: `files` has a runroot (mountpoints), and outlives this object.
  explicit ContainerLayers(StoreFiles& files) : files_(files) {}

  absl::StatusOr<std::string> Mount(const RootfsRequest& request) override;
  absl::Status Unmount(const std::string& id) override;
  absl::Status Remove(const std::string& id) override;
  absl::StatusOr<RecordedContainers> Recorded() override;

  // Deletes container `id` whoever made it, as the library's DeleteContainer does: the layer
  // its record names (unmounted first), the record, and its data dirs
  // (ROOT/overlay-containers/ID, RUNROOT/overlay-containers/ID). OK when it is gone. Only
  // `crio check --repair --force` calls it: crio otherwise never removes another tool's
  // container. REQUIRES: `id` names no path (no "/", not "." or "..").
  absl::Status Delete(const std::string& id);

  // At start-up, before any container is mounted: ROOT/overlay becomes a private mount point
  // of its own, as containers/storage's overlay driver makes it. Were it not one, the first
  // podman or buildah to start would bind-mount it over crio's container mounts and hide them.
  absl::Status MountHome();
  // At a clean shutdown: lets go of that mount when no layer is mounted, as the library does.
  absl::Status UnmountHomeIfIdle();

  // The container's writable layer: its ID, mount point and usage.
  static std::string LayerId(const std::string& id);
  std::string MountPoint(const std::string& id) const;
  bool IsMounted(const std::string& id) const;
  Usage WritableUsage(const std::string& id) const;

 private:
  // The writable layer and the container's record, each made unless present.
  absl::Status CreateRecords(const RootfsRequest& request);
  absl::Status RecordMount(const std::string& layer, const std::string& path, bool mounted);

  StoreFiles& files_;
};

}  // namespace crio::storage
