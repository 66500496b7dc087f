// ImageStore: the images and layers crio keeps, in containers/storage's on-disk format, so
// podman, skopeo and buildah share them with crio (and crio runs what they stored):
//
//   ROOT/overlay/ID/…                      each layer's files (overlay_dirs.h)
//   ROOT/overlay-layers/layers.json        the layer records, under layers.lock
//   ROOT/overlay-layers/ID.tar-split.gz    what rebuilds the layer's tar (tar_split.h)
//   ROOT/overlay-images/images.json        the image records, under images.lock
//   ROOT/overlay-images/ID/KEY             the image's "big data": config, manifests
//   ROOT/overlay/crio-staging/             crio's own: layers being unpacked
//
// Layer IDs are those containers/image gives (LayerIds in image/digest.h), so a layer
// crio pulls and one skopeo copies are the same layer, stored once. Images are keyed by ID
// (the hex of their config digest) and carry names: repo tags
// ("docker.io/library/busybox:latest") and, for images pulled by digest only, digested
// names. A name belongs to one image; giving it to another takes it away from the first.
//
// Crash safety, as containers/storage's (StoreFiles::AddLayer, DeleteLayers): a layer is
// recorded with the "incomplete" flag before its directories are made or removed; Reconcile (at
// start-up, like the library on load) removes incomplete layers and crio's staging dirs.
// An image's big data is written before its record. Reads come from memory, reloaded only
// when another process wrote (the lock files say).
//
// With a split image store (DriverOptions::image_store, store_files.h) ROOT above is that
// store for images and layers; the images the graph root kept from before the split are
// listed, run and removed as the others.
// Images of additional image stores (read-only, DriverOptions) are listed, found and run
// as this store's own; an image in both is this store's. They cannot be removed here.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/overlay_dirs.h"
#include "storage/record_file.h"
#include "storage/store_files.h"

namespace crio::storage {

// containers/storage's compression codes for a layer's blob.
enum class BlobCompression { kNone = 0, kGzip = 2, kZstd = 4 };

struct LayerRecord {
  std::string id;      // 64 hex (LayerIds)
  std::string parent;  // the layer below, or empty
  std::string diff_digest;  // "sha256:…" of the uncompressed tar: the config's diff ID
  int64_t diff_size = 0;    // bytes of the uncompressed tar
  std::string compressed_digest;  // the blob's digest
  int64_t compressed_size = 0;
  BlobCompression compression = BlobCompression::kGzip;
  std::set<uint32_t> uids;
  std::set<uint32_t> gids;
  std::string tar_split;  // gzip'd tar-split of the layer's tar
};

struct ImageRecord {
  std::string id;  // 64 hex, the config digest without "sha256:"
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::vector<std::string> layers;  // layer IDs, bottom first
  int64_t size = 0;  // as containers/storage counts it: the layers' tars and the big data
  std::string manifest_digest;
  std::string user;       // the config's User
  std::map<std::string, std::string> annotations;  // the manifest's (OCI manifests may have them)
  int64_t pulled_at = 0;  // unix seconds
  std::string read_only_store;  // the additional image store holding it; empty: this one
};

using ImageList = std::shared_ptr<const std::vector<ImageRecord>>;

// A manifest kept with an image: its own, or the index it was chosen from.
struct StoredManifest {
  std::string digest;  // "sha256:…"
  std::string body;
};

class ImageStore {
 public:
  // Opens (creating) the store under `root`, with its volatile files under `runroot` (none
  // when empty: the container layers need them, the images do not).
  static absl::StatusOr<std::unique_ptr<ImageStore>> Open(const std::string& root,
                                                          const std::string& runroot = "",
                                                          DriverOptions options = {});

  const std::string& root() const { return files_->root; }
  // Where images and their layers are written: the split image store, else root().
  const std::string& image_root() const { return files_->image_root; }
  // ROOT/overlay/ID/diff (or an additional store's): where a layer's files live.
  std::string LayerDir(const std::string& id) const { return files_->overlay.FoundDiffDir(id); }
  // The record files, for the container layers (container_layers.h) to share.
  StoreFiles& files() { return *files_; }

  // A fresh, empty directory to unpack layer `id` into; CommitLayer moves it into place, or
  // DiscardLayerStaging removes it.
  absl::StatusOr<std::string> NewLayerStaging(const std::string& id) const;
  absl::Status DiscardLayerStaging(const std::string& staging) const;

  // Whether layer `id` is stored complete (here or in an additional image store).
  absl::StatusOr<bool> HasLayer(const std::string& id);
  // Moves `staging` (from NewLayerStaging) into place and records the layer. A layer already
  // present (another pull, or another tool, won) keeps the first copy; `staging` is removed.
  absl::Status CommitLayer(const LayerRecord& layer, const std::string& staging);

  // Records `image` (its layers must be stored) with its config and manifests (its own one,
  // named by image.manifest_digest, and the index it came from, if any). Names it carries
  // are taken away from other images. A new image's record is created at image.pulled_at
  // (now when 0).
  absl::Status PutImage(const ImageRecord& image, const std::string& config_json,
                        const std::vector<StoredManifest>& manifests);

  // Every image, as the index has them now (shared, never copied: the index is immutable).
  absl::StatusOr<ImageList> List();
  // By full ID, "sha256:<ID>", unique ID prefix (at least 3 hex), repo tag or repo digest.
  absl::StatusOr<std::optional<ImageRecord>> Find(const std::string& key);
  absl::StatusOr<std::string> ReadConfig(const std::string& image_id);
  absl::StatusOr<std::string> ReadManifest(const std::string& image_id);

  // Removes a name (a repo digest removes every name of its repository); the image goes
  // with its last name. Returns whether the image went.
  absl::StatusOr<bool> RemoveName(const std::string& name);
  // Removes the image and every layer nothing else uses. FAILED_PRECONDITION while a
  // container (crio's or another tool's) uses it, or when it is only in an additional
  // image store.
  absl::Status RemoveImage(const std::string& image_id);

  // Start-up: removes incomplete layers (what a crash of crio or of another tool left
  // mid-write) and crio's staging dirs.
  absl::Status Reconcile();

 private:
  struct Index;
  explicit ImageStore(std::unique_ptr<StoreFiles> files) : files_(std::move(files)) {}

  // The images as of the record files now, rebuilt only when one of them changed.
  absl::StatusOr<std::shared_ptr<const Index>> CurrentIndex();
  std::string ImageDir(const std::string& id) const;
  // What an image's big data says that its record does not: the config's User and the
  // manifest's annotations. A config and a manifest never change, so they are read once.
  struct Details {
    std::string user;
    std::map<std::string, std::string> annotations;
  };
  using DetailsByImage = std::map<std::string, Details>;  // by image ID + manifest digest
  Details ReadDetails(const std::string& image_id);
  // Fills `image`'s details from `known`, or from its big data when they are not there, and
  // keeps them in `kept`.
  void AddDetails(ImageRecord& image, const DetailsByImage& known, DetailsByImage& kept);
  absl::StatusOr<std::string> ReadBigData(const std::string& image_id, const std::string& key);
  // FAILED_PRECONDITION naming the store when the index has `key` only in a read-only store.
  // REQUIRES: no record file lock held.
  absl::Status RefuseReadOnly(const std::string& key);
  // A graph root whose images and layers crio writes: the image store's, and with a split
  // image store the graph root's too (the images stored there before the split).
  struct Home {
    RecordFile* layers;
    RecordFile* images;
    std::string root;
  };
  std::vector<Home> Homes() const;  // the image store's first
  // Every home's record files, held for writing (in the library's locking order), by home.
  struct HomeWritings {
    std::vector<Home> homes;
    std::vector<RecordFile::Writing> layers;
    std::vector<RecordFile::Writing> images;
  };
  absl::StatusOr<HomeWritings> WriteHomes();
  // Removes image `id`'s record (in `homes`' home `home`), big data, and the layers only it
  // used.
  absl::Status DeleteImage(HomeWritings& homes, size_t home, const std::string& id);

  const std::unique_ptr<StoreFiles> files_;
  RecordFile* const layers_ = files_->layers.get();
  RecordFile* const images_ = files_->images.get();
  RecordFile* const containers_ = files_->containers.get();
  const std::string& image_root_ = files_->image_root;

  absl::Mutex index_mu_;
  std::shared_ptr<const Index> index_ ABSL_GUARDED_BY(index_mu_);
  DetailsByImage details_ ABSL_GUARDED_BY(index_mu_);
};

}  // namespace crio::storage
