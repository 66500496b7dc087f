// Importing the image store crio kept before it spoke containers/storage's format, once, at
// start-up, so a node keeps its images across the upgrade. The old store (default root
// /var/lib/crio/storage) was:
//
//   OLD/images.db                            SQLite: layers, images, their names and layers
//   OLD/overlay/<chain ID hex>/diff          each unpacked layer's files
//   OLD/overlay-images/<image ID>/           the image's config.json and manifest.json
//
// Each old image becomes an image of the ImageStore with the same ID, names, manifest digest
// and pull time; its layers get the IDs containers/image gives them (from the config's diff
// IDs), their files hard-linked from the old store where link(2) can, else copied
// (layer_copy.h). An image the store has already keeps its record, and a name another of
// its images holds stays with that image. A layer or image that cannot be imported is
// logged with the reason and left out; the others go on.
//
// The old store is only read (its database opened read-only); when done, the marker
// OLD/images.db.imported says where the images went, and an old store with the marker is
// not imported again. Removing the old store is left to the operator.
//
// The old store never kept a layer's tar, so an imported layer has no tar-split: a tool
// that exports it (podman save, skopeo copy from containers-storage:) rebuilds its tar from
// the files, which does not have the diff ID, and the export fails on the digest check.
// Running, mounting and listing are not affected. Removing the image and pulling it again
// gives layers with their tar-split (a pull reuses a layer that is stored already).
//
// Runs before crio serves; the store's own locks keep other tools' writes apart.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/image_store.h"

namespace crio::storage {

// Where crio kept its images before.
inline constexpr char kLegacyStoreRoot[] = "/var/lib/crio/storage";

struct LegacyImport {
  int images = 0;   // imported
  int layers = 0;   // imported (not counting layers the store had already)
  int skipped = 0;  // images left out: a layer or file missing or unreadable (logged)
  int present = 0;  // images the store had already, kept as they were
};

// containers/image's layer IDs for the layers whose diff IDs are `diff_ids`, bottom first:
// image::LayerIds, passed in because image/ builds on storage/, not the reverse.
using LayerIdsFn = std::function<std::vector<std::string>(const std::vector<std::string>&)>;

// Imports the old store at `old_root` into `store`; nothing when there is no
// OLD/images.db or when OLD/images.db.imported exists. An error means the old store could
// not be read (or the marker not written): no marker then, so the next start tries again.
// FAILED_PRECONDITION when `old_root` is the store's own root.
absl::StatusOr<LegacyImport> ImportLegacyStore(const std::string& old_root, ImageStore& store,
                                               const LayerIdsFn& layer_ids);

}  // namespace crio::storage
