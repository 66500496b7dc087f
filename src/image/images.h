// Images: the image operations CRI asks for, on the store, with names resolved the way
// a pull resolves them. The server translates CRI messages to and from these calls.
//
//   Find("busybox")            → the image a pull of "busybox" would have stored
//   Find("<id or id prefix>")  → by ID
//   Remove("name:tag")         → untags (the image goes with its last name)
//   Remove("<id>")             → removes the image and every name it has
//
// Thread-safe: the store and puller are.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/puller.h"
#include "image/registries.h"
#include "storage/image_store.h"

namespace crio::image {

class Images {
 public:
  Images(Puller& puller, storage::ImageStore& store, const LiveRegistries& registries)
      : puller_(puller), store_(store), registries_(registries) {}

  // `pod_namespace` picks the namespace's own trust policy, if it has one.
  absl::StatusOr<std::string> Pull(const std::string& image, const Credentials& credentials,
                                   const std::string& pod_namespace = "") {
    return puller_.Pull(image, credentials, pod_namespace);
  }
  absl::StatusOr<storage::ImageList> List() { return store_.List(); }
  // nullopt when no stored image answers to `reference`.
  absl::StatusOr<std::optional<storage::ImageRecord>> Find(const std::string& reference);
  absl::StatusOr<std::string> Config(const std::string& image_id) {
    return store_.ReadConfig(image_id);
  }
  absl::StatusOr<std::string> Manifest(const std::string& image_id) {
    return store_.ReadManifest(image_id);
  }
  // Unknown references are not an error (CRI's RemoveImage is idempotent).
  absl::Status Remove(const std::string& reference);

 private:
  // The names `reference` may be stored under: itself when qualified (with ":latest" when
  // it has neither tag nor digest), or each short-name candidate.
  std::vector<std::string> StoredNames(const std::string& reference) const;

  Puller& puller_;
  storage::ImageStore& store_;
  const LiveRegistries& registries_;
};

// Which images are pinned: the pause image always is; `patterns` from pinned_images match a
// name exactly, by prefix ("registry.k8s.io/pause*") or by keyword ("*pause*"). Built once
// per listing, matched per image.
class Pins {
 public:
  Pins(const std::vector<std::string>& patterns, const std::string& pause_image);
  bool Match(const storage::ImageRecord& image) const;

 private:
  std::vector<std::string> patterns_;
};

inline bool IsPinned(const storage::ImageRecord& image, const std::vector<std::string>& patterns,
                     const std::string& pause_image) {
  return Pins(patterns, pause_image).Match(image);
}

}  // namespace crio::image
