// CheckStore: `crio check`, containers/storage's Store.Check over the store crio shares with
// podman, skopeo and buildah (store_files.h): what is damaged, by layer, image and container,
// each problem worded as the library words it. It only reads.
//
// Layers (this store's homes first, then each additional image store's; an ID seen once):
//   - a layer recorded "incomplete" (its writer died, or is still at work) longer ago than
//     `max_unreferenced_age`; a younger one is left alone, and not looked at further;
//   - a big-data item of its record that cannot be read;
//   - with `layer_digests`, an image layer whose tar, rebuilt from its tar-split and diff dir,
//     does not have its recorded diff digest and size, and with `layer_contents` too, one
//     whose diff dir holds what its tar did not put there (layer_verify.h);
//   - in this store: a layer that could not be mounted (its diff dir, short link or a layer
//     below missing: OverlayDirs::CheckMountable), a parent no store has, a layer no image
//     or container uses created longer ago than `max_unreferenced_age`, and a directory in
//     the overlay home no record names ("unaccounted": left by a crash or another tool).
// Images: each big-data item readable and of its recorded size; every layer of its chain
// known; a damaged layer damages the images on it. Containers: their image known (and
// crio's addition: their layer), a damaged image or layer damages the container.
// Additional image stores' layers and images are reported apart: they are read-only.
//
// The records are read (each under its lock, let go at once) after the overlay homes are
// listed: a layer is recorded before its dir is made, so one being written is never reported
// unaccounted. Files are read without holding a lock (a full check reads every layer and may
// take minutes; podman and crio keep pulling meanwhile); RepairStore checks again under the
// write locks before it removes anything.
// Thread-compatible.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/store_files.h"

namespace crio::storage {

struct CheckOptions {
  bool layer_digests = true;   // rebuild each image layer's tar and check its digest and size
  bool layer_contents = true;  // compare each image layer's files with its tar
  std::chrono::seconds max_unreferenced_age = std::chrono::hours(24);
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// The checks CRI-O's `crio check` runs: containers/storage's CheckEverything, and with
// --quick its CheckMost (digests, but not contents).
CheckOptions CheckEverything();
CheckOptions CheckMost();

// Problems by the ID of what has them, each line as the library words it ("layer ID: layer
// content incorrect digest").
using Problems = std::map<std::string, std::vector<std::string>>;

struct CheckReport {
  Problems layers;  // this store's layers (both homes of a split image store)
  Problems read_only_layers;
  Problems images;
  Problems read_only_images;
  Problems containers;

  // What RepairStore needs to know: every layer seen and its parent ("" for a base layer),
  // and the overlay dirs no record names, by the home (graph root) they are in.
  std::map<std::string, std::string> layer_parents;
  std::map<std::string, std::string> unaccounted;
  // What could not be verified without being damage: layers without a tar-split (imported
  // from crio's old store, which kept none) cannot have their digest rebuilt.
  std::vector<std::string> notes;

  bool HasErrors() const {
    return !layers.empty() || !read_only_layers.empty() || !images.empty() ||
           !read_only_images.empty() || !containers.empty();
  }
};

// Checks the store `files` opened. Errors only when a record file cannot be read.
absl::StatusOr<CheckReport> CheckStore(const StoreFiles& files, const CheckOptions& options);

}  // namespace crio::storage
