// ImageStore: the images and layers crio keeps under its storage root.
//
//   ROOT/overlay/<chain-id hex>/diff         one unpacked layer, shared by every image using it
//   ROOT/overlay-images/<image id>/          the image's config.json and manifest.json
//   ROOT/images.db                           SQLite: layers, images, their names and layers
//
// Images are keyed by their ID (the hex of their config digest) and carry names: repo tags
// ("docker.io/library/busybox:latest") and repo digests ("docker.io/library/busybox@sha256:…").
// A name belongs to one image; giving it to another takes it away from the first.
//
// Crash safety: every directory the store creates or deletes is first recorded as an intent
// (the `intents` table); the intent is cleared in the transaction that commits the result.
// A layer is unpacked into ROOT/overlay/<hex>.tmp-*, renamed into place, then recorded; an
// image's files are written atomically before its row is committed. Reconcile() at start-up
// removes what an unfinished intent left behind, and nothing else: the store never deletes
// a path it did not record. Open() refuses a root that holds another tool's
// containers/storage data (see foreign_store.h). Thread-safe: the database serializes
// writes; file operations touch only paths owned by the call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "state/database.h"

namespace crio::storage {

struct LayerRecord {
  std::string chain_id;  // "sha256:<hex>"
  std::string diff_id;
  std::string parent;  // chain id of the layer below, or empty
  int64_t size = 0;    // unpacked content bytes
};

struct ImageRecord {
  std::string id;  // 64 hex, the config digest without "sha256:"
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::vector<std::string> layers;  // chain ids, bottom first
  int64_t size = 0;                 // compressed layers + config, as pulled
  std::string manifest_digest;
  std::string user;       // the config's User
  int64_t pulled_at = 0;  // unix seconds
};

class ImageStore {
 public:
  // Opens (creating) the store under `root`.
  static absl::StatusOr<std::unique_ptr<ImageStore>> Open(const std::string& root);

  const std::string& root() const { return root_; }
  // ROOT/overlay/<hex>/diff: where a layer's files live.
  std::string LayerDir(const std::string& chain_id) const;
  // A fresh, empty directory to unpack into; CommitLayer renames it into place, or
  // DiscardLayerStaging removes it.
  absl::StatusOr<std::string> NewLayerStaging(const std::string& chain_id) const;
  absl::Status DiscardLayerStaging(const std::string& staging) const;

  absl::StatusOr<bool> HasLayer(const std::string& chain_id);
  // Moves `staging` (from NewLayerStaging) to LayerDir and records the layer. A layer
  // already present (another pull won) keeps the first copy; `staging` is removed.
  absl::Status CommitLayer(const LayerRecord& layer, const std::string& staging);

  // Records `image` (its layers must be committed), writing config and manifest files.
  // Names it carries are taken away from other images.
  absl::Status PutImage(const ImageRecord& image, const std::string& config_json,
                        const std::string& manifest_json);

  absl::StatusOr<std::vector<ImageRecord>> List();
  // By full ID, "sha256:<ID>", unique ID prefix (at least 3 hex), repo tag or repo digest.
  absl::StatusOr<std::optional<ImageRecord>> Find(const std::string& key);
  absl::StatusOr<std::string> ReadConfig(const std::string& image_id) const;
  absl::StatusOr<std::string> ReadManifest(const std::string& image_id) const;

  // Removes a name; the image goes with its last tag. Returns whether the image went.
  absl::StatusOr<bool> RemoveName(const std::string& name);
  // Removes the image and every layer no other image uses.
  absl::Status RemoveImage(const std::string& image_id);

  // Start-up: removes what unfinished intents left (staging dirs, layers and image dirs
  // half created or half deleted by a crash); paths the store never recorded stay.
  absl::Status Reconcile();

 private:
  ImageStore(std::string root, std::unique_ptr<state::Database> db)
      : root_(std::move(root)), db_(std::move(db)) {}
  absl::StatusOr<ImageRecord> Load(state::Database::Transaction& tx, const std::string& id);
  absl::Status DeleteUnusedLayers(state::Database::Transaction& tx,
                                  std::vector<std::string>& doomed_dirs);
  // Intents: paths about to be created or removed, recorded before the change.
  absl::Status RecordIntent(const std::string& path) const;
  static absl::Status RecordIntent(state::Database::Transaction& tx, const std::string& path);
  static absl::Status ClearIntents(state::Database::Transaction& tx,
                                   const std::vector<std::string>& paths);
  // The directories committed layers and images own.
  absl::StatusOr<std::set<std::string>> RecordedPaths(state::Database::Transaction& tx) const;

  const std::string root_;
  std::unique_ptr<state::Database> db_;
};

}  // namespace crio::storage
