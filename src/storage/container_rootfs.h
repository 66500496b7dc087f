// ContainerRootfs: what the container lifecycle needs of a container's root filesystem:
// mount it over its image's layers, unmount it, remove it. ContainerLayers (overlay) is the
// implementation; unit tests use a fake, so the lifecycle is tested without root.
// Implementations are thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::storage {

class ContainerRootfs {
 public:
  virtual ~ContainerRootfs() = default;
  // Creates the container's writable layer and mounts it over `layers` (chain ids, bottom
  // first); returns the mount point. On error nothing is left.
  virtual absl::StatusOr<std::string> Mount(const std::string& id,
                                            const std::vector<std::string>& layers) = 0;
  // Unmounts the container's rootfs; OK when it is not mounted.
  virtual absl::Status Unmount(const std::string& id) = 0;
  // Unmounts and deletes the writable layer; OK when it is gone.
  virtual absl::Status Remove(const std::string& id) = 0;
  // The IDs of the containers other tools (podman, buildah) keep in the storage root crio
  // shares with them: their directories are never crio's to sweep.
  virtual absl::StatusOr<std::set<std::string>> OtherToolsContainers() = 0;
};

}  // namespace crio::storage
