#include "storage/legacy_import.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/read_file.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "state/database.h"
#include "storage/layer_copy.h"
#include "storage/record_file.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kMarkerName[] = "images.db.imported";
constexpr uint64_t kMaxBigDataBytes = uint64_t{16} << 20;  // as the store bounds its own

struct OldLayer {
  std::string chain_id;  // "sha256:<hex>"; the files are in OLD/overlay/<hex>/diff
  std::string diff_id;   // "sha256:<hex>"; empty when the layer has no record
  int64_t size = 0;      // the unpacked content's bytes (the old store did not keep the tar's)
};

struct OldImage {
  std::string id;               // 64 hex, the config's digest
  std::string manifest_digest;  // "sha256:<hex>"
  std::string user;
  int64_t pulled_at = 0;
  std::vector<OldLayer> layers;  // bottom first
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
};

bool IsHex64(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool IsDigest(std::string_view digest) {
  return digest.starts_with("sha256:") && IsHex64(digest.substr(7));
}

absl::Status ReadLayers(state::Database::Transaction& tx, OldImage& image) {
  // A LEFT JOIN: a layer without its record shows (as an empty diff ID) instead of vanishing.
  ASSIGN_OR_RETURN(auto rows, tx.Prepare("SELECT il.chain_id, l.diff_id, l.size "
                                         "FROM image_layers il LEFT JOIN layers l "
                                         "ON l.chain_id = il.chain_id "
                                         "WHERE il.image_id = ? ORDER BY il.position"));
  rows.Bind(1, image.id);
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, rows.Step());
    if (!more) return absl::OkStatus();
    image.layers.push_back(
        {.chain_id = rows.Text(0), .diff_id = rows.Text(1), .size = rows.Int(2)});
  }
}

absl::Status ReadNames(state::Database::Transaction& tx, OldImage& image) {
  ASSIGN_OR_RETURN(auto rows, tx.Prepare("SELECT name, is_digest FROM image_names "
                                         "WHERE image_id = ? ORDER BY name"));
  rows.Bind(1, image.id);
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, rows.Step());
    if (!more) return absl::OkStatus();
    (rows.Int(1) != 0 ? image.repo_digests : image.repo_tags).push_back(rows.Text(0));
  }
}

// Every image of the old store's database, with its layers and names.
absl::StatusOr<std::vector<OldImage>> ReadOldImages(const std::string& db_path) {
  ASSIGN_OR_RETURN(auto db, state::Database::OpenReadOnly(db_path));
  ASSIGN_OR_RETURN(auto tx, db->Begin());
  std::vector<OldImage> images;
  ASSIGN_OR_RETURN(
      auto rows,
      tx->Prepare("SELECT id, manifest_digest, user, pulled_at FROM images ORDER BY id"));
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, rows.Step());
    if (!more) break;
    images.push_back({.id = rows.Text(0),
                      .manifest_digest = rows.Text(1),
                      .user = rows.Text(2),
                      .pulled_at = rows.Int(3)});
  }
  for (OldImage& image : images) {
    RETURN_IF_ERROR(ReadLayers(*tx, image));
    RETURN_IF_ERROR(ReadNames(*tx, image));
  }
  return images;
}

// What makes an old image unimportable before anything is copied: IDs and digests that
// are not what the old store wrote, a layer without its record or its files.
absl::Status CheckOldImage(const OldImage& image, const std::string& old_root) {
  if (!IsHex64(image.id)) return absl::DataLossError("not an image ID");
  if (!IsDigest(image.manifest_digest)) {
    return absl::DataLossError(
        fmt::format("invalid manifest digest \"{}\"", image.manifest_digest));
  }
  for (const OldLayer& layer : image.layers) {
    if (!IsDigest(layer.chain_id)) {
      return absl::DataLossError(fmt::format("invalid layer \"{}\"", layer.chain_id));
    }
    if (!IsDigest(layer.diff_id)) {
      return absl::DataLossError(fmt::format("layer {} has no record", layer.chain_id));
    }
    const std::string diff = fmt::format("{}/overlay/{}/diff", old_root, layer.chain_id.substr(7));
    struct stat info {};
    if (::lstat(diff.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return absl::NotFoundError(fmt::format("layer {}: no directory {}", layer.chain_id, diff));
    }
  }
  return absl::OkStatus();
}

// A big data file of the old image, checked against the digest it must have.
absl::StatusOr<std::string> ReadChecked(const std::string& path, const std::string& digest) {
  ASSIGN_OR_RETURN(std::string content, ReadFileToString(path, kMaxBigDataBytes));
  if (Sha256Digest(content) != digest) {
    return absl::DataLossError(fmt::format("{} does not have the digest {}", path, digest));
  }
  return content;
}

class Importer {
 public:
  Importer(const std::string& old_root, ImageStore& store, const LayerIdsFn& layer_ids)
      : old_root_(old_root), store_(store), layer_ids_(layer_ids) {}

  void Import(const OldImage& image) {
    auto present = store_.Find(image.id);
    if (present.ok() && present->has_value()) {
      log::Debug("Old image {}: in the store already, kept as it is", image.id);
      ++result_.present;
      return;
    }
    absl::Status imported = present.ok() ? ImportImage(image) : present.status();
    if (!imported.ok()) {
      log::Warn("Old image {} ({}) not imported: {}", image.id,
                fmt::join(image.repo_tags.empty() ? image.repo_digests : image.repo_tags, ", "),
                AsStd(imported.message()));
      ++result_.skipped;
      return;
    }
    ++result_.images;
  }

  const LegacyImport& result() const { return result_; }

 private:
  absl::Status ImportImage(const OldImage& image) {
    RETURN_IF_ERROR(CheckOldImage(image, old_root_));
    const std::string dir = fmt::format("{}/overlay-images/{}", old_root_, image.id);
    ASSIGN_OR_RETURN(const std::string config,
                     ReadChecked(dir + "/config.json", "sha256:" + image.id));
    ASSIGN_OR_RETURN(const std::string manifest,
                     ReadChecked(dir + "/manifest.json", image.manifest_digest));
    std::vector<std::string> diff_ids;
    for (const OldLayer& layer : image.layers) diff_ids.push_back(layer.diff_id);
    const std::vector<std::string> ids = layer_ids_(diff_ids);
    if (ids.size() != image.layers.size()) return absl::InternalError("layer IDs not computed");
    for (size_t i = 0; i < ids.size(); ++i) {
      RETURN_IF_ERROR(StoreLayer(image.layers[i], ids[i], i == 0 ? "" : ids[i - 1]));
    }
    ImageRecord record{.id = image.id,
                       .layers = ids,
                       .manifest_digest = image.manifest_digest,
                       .user = image.user,
                       .pulled_at = image.pulled_at};
    ASSIGN_OR_RETURN(record.repo_tags, FreeNames(image.repo_tags, image.id));
    ASSIGN_OR_RETURN(record.repo_digests, FreeNames(image.repo_digests, image.id));
    return store_.PutImage(record, config, {{image.manifest_digest, manifest}});
  }

  // The layer as layer `id` of the store, unless it is there already (another image's, or
  // another tool's). A layer that failed fails the other images using it too.
  absl::Status StoreLayer(const OldLayer& layer, const std::string& id, const std::string& parent) {
    if (auto failed = failed_layers_.find(id); failed != failed_layers_.end()) {
      return failed->second;
    }
    ASSIGN_OR_RETURN(const bool present, store_.HasLayer(id));
    if (present) return absl::OkStatus();
    absl::Status stored = CopyLayer(layer, id, parent);
    if (!stored.ok()) {
      stored = Annotate(stored, fmt::format("layer {}", layer.chain_id));
      failed_layers_.emplace(id, stored);
      return stored;
    }
    ++result_.layers;
    return absl::OkStatus();
  }

  absl::Status CopyLayer(const OldLayer& layer, const std::string& id, const std::string& parent) {
    ASSIGN_OR_RETURN(const std::string staging, store_.NewLayerStaging(id));
    auto copied = CopyLayerFiles(
        fmt::format("{}/overlay/{}/diff", old_root_, layer.chain_id.substr(7)), staging);
    absl::Status committed = copied.ok()
                                 ? store_.CommitLayer({.id = id,
                                                       .parent = parent,
                                                       .diff_digest = layer.diff_id,
                                                       .diff_size = layer.size,
                                                       .compression = BlobCompression::kNone,
                                                       .uids = copied->uids,
                                                       .gids = copied->gids},
                                                      staging)
                                 : copied.status();
    if (!committed.ok()) {
      // What stays behind goes at the next start (Reconcile empties the staging dir).
      store_.DiscardLayerStaging(staging).IgnoreError();
    }
    return committed;
  }

  // `names` less those another image of the store holds: they stay with it.
  absl::StatusOr<std::vector<std::string>> FreeNames(const std::vector<std::string>& names,
                                                     const std::string& id) {
    std::vector<std::string> free;
    for (const std::string& name : names) {
      ASSIGN_OR_RETURN(const std::optional<ImageRecord> holder, store_.Find(name));
      if (holder.has_value() && holder->id != id) {
        log::Info("Old image {}: the name {} stays with image {} of the store", id, name,
                  holder->id);
        continue;
      }
      free.push_back(name);
    }
    return free;
  }

  const std::string& old_root_;
  ImageStore& store_;
  const LayerIdsFn& layer_ids_;
  std::map<std::string, absl::Status> failed_layers_;  // by layer ID
  LegacyImport result_;
};

}  // namespace

absl::StatusOr<LegacyImport> ImportLegacyStore(const std::string& old_root, ImageStore& store,
                                               const LayerIdsFn& layer_ids) {
  const std::string db_path = old_root + "/images.db";
  const std::string marker = old_root + "/" + kMarkerName;
  std::error_code error;
  if (!fs::exists(db_path, error) || fs::exists(marker, error)) return LegacyImport{};
  if (fs::equivalent(old_root, store.root(), error)) {
    return absl::FailedPreconditionError(fmt::format(
        "the old image store {} is the storage root itself: its images are not imported "
        "(set root elsewhere to import them)",
        old_root));
  }
  const absl::StatusOr<std::vector<OldImage>> images = ReadOldImages(db_path);
  if (!images.ok()) return Annotate(images.status(), fmt::format("read {}", db_path));
  log::Info("Importing {} images from the old image store {} into {}", images->size(), old_root,
            store.root());
  Importer importer(old_root, store, layer_ids);
  for (const OldImage& image : *images) importer.Import(image);
  const LegacyImport& result = importer.result();
  RETURN_IF_ERROR(WriteFileAtomically(
      marker,
      fmt::format(
          "crio imported the images of this store into {} at {}; it reads them there now.\n",
          store.root(), Rfc3339Now()),
      0644));
  log::Info(
      "Imported {} images ({} layers) from the old image store {} into {}{}{}; {} is kept: "
      "remove it when no longer needed{}",
      result.images, result.layers, old_root, store.root(),
      result.present > 0 ? fmt::format(", {} were there already", result.present) : "",
      result.skipped > 0 ? fmt::format(", {} could not be (see above)", result.skipped) : "",
      old_root,
      result.layers > 0
          ? ". The old store kept no layer tars, so the imported layers have no tar-split: "
            "podman save and skopeo copy rebuild their tars from the files, which do not have "
            "the diff IDs, and fail (remove and pull an image again to export it)"
          : "");
  return result;
}

}  // namespace crio::storage
