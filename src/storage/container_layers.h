// ContainerLayers: each container's root filesystem, an overlay of its image's layers with
// a writable layer of its own.
//
//   ROOT/overlay-containers/ID/{upper,work,merged}   the writable layer and the mount point
//
// Lower dirs are named through the layers' short links (overlay_dirs.h), so the overlay
// option string stays under a page even for deep images (about 64 bytes a layer).
// Thread-safe: every path is owned by one container id.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/container_rootfs.h"
#include "storage/overlay_dirs.h"
#include "storage/usage.h"

namespace crio::storage {

class ContainerLayers final : public ContainerRootfs {
 public:
  // `root`: the storage root; `layer_dir(chain_id)` gives a layer's diff dir under it.
  explicit ContainerLayers(std::string root) : root_(root), overlay_(std::move(root)) {}

  // Creates the container's writable layer and mounts the overlay of `layers` (layer IDs,
  // bottom first) under it; returns the mount point. On error nothing is left.
  absl::StatusOr<std::string> Mount(const std::string& id,
                                    const std::vector<std::string>& layers) override;
  // Unmounts the container's rootfs; OK when it is not mounted.
  absl::Status Unmount(const std::string& id) override;
  // Unmounts and deletes the writable layer; OK when it is gone.
  absl::Status Remove(const std::string& id) override;
  // The containers recorded in ROOT/overlay-containers/containers.json.
  absl::StatusOr<std::set<std::string>> OtherToolsContainers() override;

  std::string MountPoint(const std::string& id) const;
  bool IsMounted(const std::string& id) const;
  // Bytes and inodes used by the container's writable layer.
  Usage WritableUsage(const std::string& id) const;
  // The overlay mount options for `layers`, exposed for tests.
  absl::StatusOr<std::string> MountOptions(const std::string& id,
                                           const std::vector<std::string>& layers) const;

 private:
  std::string ContainerDir(const std::string& id) const;

  const std::string root_;
  const OverlayDirs overlay_;
};

}  // namespace crio::storage
