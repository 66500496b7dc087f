// ContainerRootfs: what the container lifecycle needs of a container's root filesystem:
// make and mount it over its image's layers, unmount it, remove it, and tell crio's
// containers in the shared store from other tools'. ContainerLayers (containers/storage's
// layout) is the implementation; unit tests use a fake, so the lifecycle is tested without
// root. Implementations are thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::storage {

// What a container's root filesystem is made from, and what is recorded with it.
struct RootfsRequest {
  std::string id;        // the container's
  std::string name;      // the name its record carries
  std::string image_id;
  std::vector<std::string> layers;  // the image's layer IDs, bottom first
  std::string metadata;  // JSON kept with the container's record
};

// The containers recorded in the storage root crio shares with podman and buildah.
struct RecordedContainers {
  std::set<std::string> crios;   // made by crio (or CRI-O): their metadata names a pod
  std::set<std::string> others;  // made by other tools: never crio's to remove
  std::set<std::string> crio_images;  // the images crio's containers were made from
};

class ContainerRootfs {
 public:
  virtual ~ContainerRootfs() = default;
  // Creates the container's writable layer over `request.layers`, records the container and
  // mounts it; returns the mount point. Idempotent for one container ID. On error the
  // caller's Remove undoes what was made.
  virtual absl::StatusOr<std::string> Mount(const RootfsRequest& request) = 0;
  // Unmounts the container's rootfs; OK when it is not mounted.
  virtual absl::Status Unmount(const std::string& id) = 0;
  // Unmounts and deletes the writable layer and the container's record; OK when gone.
  virtual absl::Status Remove(const std::string& id) = 0;
  virtual absl::StatusOr<RecordedContainers> Recorded() = 0;
};

}  // namespace crio::storage
