// RepairStore and WipeStore: `crio check --repair` and `--wipe`, as containers/storage's
// Store.Repair and CRI-O's storage wipe act on a CheckReport (store_check.h). They delete
// other tools' layers, images and containers, which crio otherwise never does: only an
// operator's explicit request runs them, and only on what the report names.
//
// Repair, in the library's order:
//   1. with `remove_containers` (--force), each damaged container: its layer (unmounted
//      first), its record and its data dirs, whoever made it;
//   2. each damaged image of this store, with the layers only it used (ImageStore::RemoveImage:
//      an image a container still uses stays, and is an error);
//   3. each damaged layer still recorded, those farthest from a base layer first, then the
//      unaccounted dirs. A layer that another layer, an image or a container still stands on
//      stays, and is an error; one recorded since the check (so no longer unaccounted) stays.
// Additional image stores are never written: their damage is reported, not repaired.
// Every removal takes the record files' write locks in the library's order and re-reads the
// records under them, so what another process changed since the check is seen.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/container_layers.h"
#include "storage/image_store.h"
#include "storage/store_check.h"

namespace crio::storage {

struct RepairOptions {
  bool remove_containers = false;  // --force
};

// Repairs what `report` names; returns one error per item that could not be removed (empty:
// repaired).
std::vector<absl::Status> RepairStore(const CheckReport& report, const RepairOptions& options,
                                      ImageStore& images, ContainerLayers& containers);

// Removes the graph root (and a split image store) entirely, as CRI-O wipes its storage when
// a repair failed: FAILED_PRECONDITION while a layer is mounted, unless `force`, which
// unmounts them first. Additional image stores are never touched.
absl::Status WipeStore(StoreFiles& files, bool force);

}  // namespace crio::storage
