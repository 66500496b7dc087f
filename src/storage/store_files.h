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
// A split image store (DriverOptions::image_store, IMAGES below) takes the images and their
// layers, as the library (1.50 and later) splits them; containers and their layers stay:
//
//   IMAGES/overlay-images/images.json        new images
//   IMAGES/overlay-layers/layers.json        their layers, files under IMAGES/overlay/
//   ROOT/overlay-layers/layers.json          containers' layers (and images' stored before
//                                            the split, whose images stay in ROOT's images.json,
//                                            used and removable as the others)
//   ROOT/overlay-layers/ID.tar-split.gz      every layer's tar-split, as the library keeps it
//
// Additional image stores (DriverOptions::additional_image_stores) are other graph roots with
// the same layout, read under shared locks and never written: their images and layers are
// used as if they were this store's, as the library uses them.
//
// Locking order, as the library's: ROOT's layers, IMAGES' layers, then images, then containers.
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
  std::string image_root;  // options.image_store, else root
  // Images' layers (IMAGES/overlay), and containers' (ROOT/overlay); each looks for a layer it
  // does not hold in the other's home, then in the additional stores'.
  OverlayDirs overlay;
  OverlayDirs container_overlay;
  std::vector<ReadOnlyStore> read_only;
  std::unique_ptr<RecordFile> layers;  // IMAGES/overlay-layers
  std::unique_ptr<RecordFile> images;  // IMAGES/overlay-images
  // ROOT's, when the image store is split (null otherwise: `layers` and `images` are ROOT's).
  std::unique_ptr<RecordFile> graph_layers;
  std::unique_ptr<RecordFile> graph_images;
  std::unique_ptr<RecordFile> containers;
  std::unique_ptr<RecordFile> mountpoints;  // null without a runroot
  std::unique_ptr<LockFile> graph_lock;

  // Where containers' layers are recorded: ROOT's layers.json.
  RecordFile& ContainerLayerRecords() const {
    return graph_layers != nullptr ? *graph_layers : *layers;
  }
  // The overlay dirs of the layers `writing` holds (IMAGES' or ROOT's).
  const OverlayDirs& DirsOf(const RecordFile::Writing& writing) const;

  // Whether a layer file other than `file` holds layer `id` complete: with a split image
  // store the other root's, then each additional image store's (one that cannot be read
  // counts as not holding it). REQUIRES: the caller holds no lock that comes after the other
  // root's in the locking order.
  absl::StatusOr<bool> HasLayerOutside(const RecordFile& file, const std::string& id) const;
  // Whether layer `id` is stored complete: in `records` (`file`'s, as the caller holds them)
  // or outside it.
  bool HasStoredLayer(const RecordFile& file, const nlohmann::json& records,
                      const std::string& id) const;

  // ROOT/overlay-layers/ID.tar-split.gz (with a split image store too).
  std::string TarSplitPath(const std::string& layer_id) const;

  // Adds to `writing`'s file (and its home) the layer `record` describes ("id", "parent",
  // digests…) as the library does: recorded "incomplete" and saved first (the intent: a crash
  // from there on leaves a layer start-up removes), then its dirs, made around `staged_diff`
  // (renamed into place; empty: an empty diff dir), and its `tar_split` when there is one,
  // then the flag cleared. On error what was made is deleted again, or stays flagged for
  // start-up to delete.
  absl::Status AddLayer(RecordFile::Writing& writing, nlohmann::json record,
                        const std::string& staged_diff, const std::string& tar_split) const;
  // Deletes layers `ids` of `writing`'s file as the library does: flagged incomplete and saved
  // first, then their dirs, short links and tar-splits (also of an id without a record), then
  // their records.
  absl::Status DeleteLayers(RecordFile::Writing& writing,
                            const std::vector<std::string>& ids) const;
};

}  // namespace crio::storage
