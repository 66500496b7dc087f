// StoreFiles: containers/storage's record files and overlay dirs under one graph root and
// run root, opened once per process. fcntl locks belong to the process: two objects on one
// lock file would release each other's locks on close and let two of crio's threads write
// the same file at once, so the image store and the container layers share these.
//
//   ROOT/overlay-layers/layers.json          layers (images' and containers')
//   ROOT/overlay-images/images.json          images
//   ROOT/overlay-containers/containers.json  containers (crio's and other tools')
//   RUNROOT/overlay-layers/mountpoints.json  which layers are mounted where, how often
//   ROOT/storage.lock                        held while the driver's home mount changes or a
//                                            layer is mounted (the library's graph lock)
//
// Additional image stores (DriverOptions::additional_image_stores) are other graph roots with
// the same layout, read under shared locks and never written: their images and layers are
// used as if they were this store's, as the library uses them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/driver_options.h"
#include "storage/overlay_dirs.h"
#include "storage/record_file.h"

namespace crio::storage {

// An additional image store's record files.
struct ReadOnlyStore {
  std::string root;
  std::unique_ptr<RecordFile> layers;
  std::unique_ptr<RecordFile> images;
};

struct StoreFiles {
  // Creates the directories (0700) and lock files that are missing. Without a `runroot`
  // there is no mountpoints file (an image store alone needs none). An additional image
  // store that is not a store (no lock files) is an error naming it.
  static absl::StatusOr<std::unique_ptr<StoreFiles>> Open(const std::string& root,
                                                          const std::string& runroot,
                                                          DriverOptions options = {});

  std::string root;
  std::string runroot;
  DriverOptions options;
  OverlayDirs overlay{root, options.additional_image_stores};
  std::vector<ReadOnlyStore> read_only;
  std::unique_ptr<RecordFile> layers;
  std::unique_ptr<RecordFile> images;
  std::unique_ptr<RecordFile> containers;
  std::unique_ptr<RecordFile> mountpoints;  // null without a runroot
  std::unique_ptr<LockFile> graph_lock;

  // Whether an additional image store holds layer `id`, complete.
  absl::StatusOr<bool> HasReadOnlyLayer(const std::string& id) const;
  // Whether layer `id` is stored complete: in `records` (this store's layers.json) or
  // in an additional image store (one that cannot be read counts as not holding it).
  bool HasStoredLayer(const nlohmann::json& records, const std::string& id) const;

  // ROOT/overlay-layers/ID.tar-split.gz.
  std::string TarSplitPath(const std::string& layer_id) const;

  // Adds the layer `record` describes ("id", "parent", digests…) as the library does: recorded
  // "incomplete" and saved first (the intent: a crash from there on leaves a layer start-up
  // removes), then its dirs, made around `staged_diff` (renamed into place; empty: an empty
  // diff dir), and its `tar_split` when there is one, then the flag cleared. On error what was
  // made is deleted again, or stays flagged for start-up to delete.
  // REQUIRES: `writing` (layers.json) holds no record of that id, and its parent complete.
  absl::Status AddLayer(RecordFile::Writing& writing, nlohmann::json record,
                        const std::string& staged_diff, const std::string& tar_split) const;
  // Deletes layers `ids` as the library does: flagged incomplete and saved first, then their
  // dirs, short links and tar-splits (also of an id without a record), then their records.
  absl::Status DeleteLayers(RecordFile::Writing& writing,
                            const std::vector<std::string>& ids) const;
};

}  // namespace crio::storage
