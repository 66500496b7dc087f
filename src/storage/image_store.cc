#include "storage/image_store.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/random_id.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "storage/foreign_store.h"
#include "sys/private_dir.h"
#include "sys/unix_socket.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kSchema[] = R"(
CREATE TABLE IF NOT EXISTS layers (
  chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL, parent TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL, size INTEGER NOT NULL,
  user TEXT NOT NULL, pulled_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL, chain_id TEXT NOT NULL REFERENCES layers(chain_id),
  PRIMARY KEY (image_id, position));
CREATE TABLE IF NOT EXISTS image_names (
  name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  is_digest INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS image_layers_by_chain ON image_layers (chain_id);
CREATE TABLE IF NOT EXISTS intents (path TEXT PRIMARY KEY);
)";

std::string Hex(const std::string& digest) {
  const size_t colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

bool IsHex(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void RemoveQuietly(const std::string& path) {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImageStore>> ImageStore::Open(const std::string& root) {
  RETURN_IF_ERROR(CheckNoForeignStore(root));
  for (const std::string& dir : {root, root + "/overlay", root + "/overlay-images"}) {
    RETURN_IF_ERROR(sys::MakePrivateDir(dir));
  }
  ASSIGN_OR_RETURN(auto db, state::Database::Open(root + "/images.db"));
  RETURN_IF_ERROR(db->Exec(kSchema));
  return std::unique_ptr<ImageStore>(new ImageStore(root, std::move(db)));
}

std::string ImageStore::LayerDir(const std::string& chain_id) const {
  return fmt::format("{}/overlay/{}/diff", root_, Hex(chain_id));
}

absl::StatusOr<std::string> ImageStore::NewLayerStaging(const std::string& chain_id) const {
  const std::string top =
      fmt::format("{}/overlay/{}.tmp-{}", root_, Hex(chain_id), NewRandomId().substr(0, 12));
  RETURN_IF_ERROR(RecordIntent(top));
  if (::mkdir(top.c_str(), 0700) != 0) return ErrnoToStatus(errno, fmt::format("create {}", top));
  const std::string diff = top + "/diff";
  if (::mkdir(diff.c_str(), 0755) != 0) return ErrnoToStatus(errno, fmt::format("create {}", diff));
  return diff;
}

absl::Status ImageStore::DiscardLayerStaging(const std::string& staging) const {
  const std::string top = fs::path(staging).parent_path().string();
  std::error_code error;
  fs::remove_all(top, error);
  // On failure the intent stays, and Reconcile tries again at the next start.
  if (error) return ErrnoToStatus(error.value(), fmt::format("remove {}", top));
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  RETURN_IF_ERROR(ClearIntents(*tx, {top}));
  return tx->Commit();
}

absl::Status ImageStore::RecordIntent(const std::string& path) const {
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  RETURN_IF_ERROR(RecordIntent(*tx, path));
  return tx->Commit();
}

absl::Status ImageStore::RecordIntent(state::Database::Transaction& tx, const std::string& path) {
  ASSIGN_OR_RETURN(auto insert, tx.Prepare("INSERT OR IGNORE INTO intents VALUES (?)"));
  return insert.Bind(1, path).Run();
}

absl::Status ImageStore::ClearIntents(state::Database::Transaction& tx,
                                      const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(auto remove, tx.Prepare("DELETE FROM intents WHERE path = ?"));
    RETURN_IF_ERROR(remove.Bind(1, path).Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ImageStore::HasLayer(const std::string& chain_id) {
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(auto select, tx->Prepare("SELECT 1 FROM layers WHERE chain_id = ?"));
  return select.Bind(1, chain_id).Step();
}

absl::Status ImageStore::CommitLayer(const LayerRecord& layer, const std::string& staging) {
  const std::string staging_top = fs::path(staging).parent_path().string();
  const std::string final_top = fs::path(LayerDir(layer.chain_id)).parent_path().string();
  RETURN_IF_ERROR(RecordIntent(final_top));  // a crash after the rename leaves it to Reconcile
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  RETURN_IF_ERROR(ClearIntents(*tx, {staging_top, final_top}));
  ASSIGN_OR_RETURN(auto exists, tx->Prepare("SELECT 1 FROM layers WHERE chain_id = ?"));
  ASSIGN_OR_RETURN(const bool present, exists.Bind(1, layer.chain_id).Step());
  if (present) {
    RemoveQuietly(staging_top);
    return tx->Commit();
  }
  RemoveQuietly(final_top);  // a leftover of a crash between rename and commit
  if (::rename(staging_top.c_str(), final_top.c_str()) != 0) {
    return ErrnoToStatus(errno, fmt::format("move layer {} into place", layer.chain_id));
  }
  ASSIGN_OR_RETURN(auto insert, tx->Prepare("INSERT INTO layers VALUES (?, ?, ?, ?)"));
  RETURN_IF_ERROR(insert.Bind(1, layer.chain_id)
                      .Bind(2, layer.diff_id)
                      .Bind(3, layer.parent)
                      .Bind(4, layer.size)
                      .Run());
  return tx->Commit();
}

absl::Status ImageStore::PutImage(const ImageRecord& image, const std::string& config_json,
                                  const std::string& manifest_json) {
  if (!IsHex(image.id) || image.id.size() != 64) {
    return absl::InvalidArgumentError(fmt::format("invalid image id \"{}\"", image.id));
  }
  const std::string dir = fmt::format("{}/overlay-images/{}", root_, image.id);
  RETURN_IF_ERROR(RecordIntent(dir));
  RETURN_IF_ERROR(sys::MakeDirs(dir, 0700));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/config.json", config_json));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/manifest.json", manifest_json));

  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(
      auto upsert,
      tx->Prepare("INSERT INTO images VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                  "manifest_digest = excluded.manifest_digest, pulled_at = excluded.pulled_at"));
  RETURN_IF_ERROR(upsert.Bind(1, image.id)
                      .Bind(2, image.manifest_digest)
                      .Bind(3, image.size)
                      .Bind(4, image.user)
                      .Bind(5, image.pulled_at)
                      .Run());
  RETURN_IF_ERROR(ClearIntents(*tx, {dir}));
  ASSIGN_OR_RETURN(auto clear, tx->Prepare("DELETE FROM image_layers WHERE image_id = ?"));
  RETURN_IF_ERROR(clear.Bind(1, image.id).Run());
  for (size_t i = 0; i < image.layers.size(); ++i) {
    ASSIGN_OR_RETURN(auto insert, tx->Prepare("INSERT INTO image_layers VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(
        insert.Bind(1, image.id).Bind(2, static_cast<int64_t>(i)).Bind(3, image.layers[i]).Run());
  }
  for (const auto& [names, is_digest] :
       {std::pair{&image.repo_tags, 0}, std::pair{&image.repo_digests, 1}}) {
    for (const std::string& name : *names) {
      ASSIGN_OR_RETURN(
          auto name_row,
          tx->Prepare("INSERT INTO image_names VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                      "image_id = excluded.image_id"));
      RETURN_IF_ERROR(name_row.Bind(1, name).Bind(2, image.id).Bind(3, int64_t{is_digest}).Run());
    }
  }
  return tx->Commit();
}

absl::StatusOr<ImageRecord> ImageStore::Load(state::Database::Transaction& tx,
                                             const std::string& id) {
  ImageRecord image;
  ASSIGN_OR_RETURN(auto row, tx.Prepare("SELECT id, manifest_digest, size, user, pulled_at "
                                        "FROM images WHERE id = ?"));
  ASSIGN_OR_RETURN(const bool found, row.Bind(1, id).Step());
  if (!found) return absl::NotFoundError(fmt::format("image {} not found", id));
  image.id = row.Text(0);
  image.manifest_digest = row.Text(1);
  image.size = row.Int(2);
  image.user = row.Text(3);
  image.pulled_at = row.Int(4);
  ASSIGN_OR_RETURN(auto layers, tx.Prepare("SELECT chain_id FROM image_layers WHERE image_id = ? "
                                           "ORDER BY position"));
  layers.Bind(1, id);
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, layers.Step());
    if (!more) break;
    image.layers.push_back(layers.Text(0));
  }
  ASSIGN_OR_RETURN(auto names, tx.Prepare("SELECT name, is_digest FROM image_names "
                                          "WHERE image_id = ? ORDER BY name"));
  names.Bind(1, id);
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, names.Step());
    if (!more) break;
    (names.Int(1) != 0 ? image.repo_digests : image.repo_tags).push_back(names.Text(0));
  }
  return image;
}

absl::StatusOr<std::vector<ImageRecord>> ImageStore::List() {
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(auto ids, tx->Prepare("SELECT id FROM images ORDER BY id"));
  std::vector<std::string> all;
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, ids.Step());
    if (!more) break;
    all.push_back(ids.Text(0));
  }
  std::vector<ImageRecord> images;
  for (const std::string& id : all) {
    ASSIGN_OR_RETURN(ImageRecord image, Load(*tx, id));
    images.push_back(std::move(image));
  }
  return images;
}

absl::StatusOr<std::optional<ImageRecord>> ImageStore::Find(const std::string& key) {
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(auto by_name, tx->Prepare("SELECT image_id FROM image_names WHERE name = ?"));
  ASSIGN_OR_RETURN(const bool named, by_name.Bind(1, key).Step());
  if (named) {
    ASSIGN_OR_RETURN(ImageRecord image, Load(*tx, by_name.Text(0)));
    return std::optional<ImageRecord>(std::move(image));
  }
  const std::string hex = key.starts_with("sha256:") ? key.substr(7) : key;
  if (hex.size() < 3 || !IsHex(hex)) return std::optional<ImageRecord>();
  ASSIGN_OR_RETURN(auto by_id, tx->Prepare("SELECT id FROM images WHERE id >= ? AND id < ? "
                                           "ORDER BY id LIMIT 2"));
  by_id.Bind(1, hex).Bind(2, hex + "g");  // 'g' sorts after every hex digit
  ASSIGN_OR_RETURN(const bool first, by_id.Step());
  if (!first) return std::optional<ImageRecord>();
  const std::string id = by_id.Text(0);
  ASSIGN_OR_RETURN(const bool ambiguous, by_id.Step());
  if (ambiguous) {
    return absl::InvalidArgumentError(fmt::format("image ID prefix \"{}\" is ambiguous", hex));
  }
  ASSIGN_OR_RETURN(ImageRecord image, Load(*tx, id));
  return std::optional<ImageRecord>(std::move(image));
}

absl::StatusOr<std::string> ImageStore::ReadConfig(const std::string& image_id) const {
  return ReadFileToString(fmt::format("{}/overlay-images/{}/config.json", root_, image_id));
}

absl::StatusOr<std::string> ImageStore::ReadManifest(const std::string& image_id) const {
  return ReadFileToString(fmt::format("{}/overlay-images/{}/manifest.json", root_, image_id));
}

absl::Status ImageStore::DeleteUnusedLayers(state::Database::Transaction& tx,
                                            std::vector<std::string>& doomed_dirs) {
  ASSIGN_OR_RETURN(
      auto unused,
      tx.Prepare(
          "SELECT chain_id FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM image_layers)"));
  std::vector<std::string> chain_ids;
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, unused.Step());
    if (!more) break;
    chain_ids.push_back(unused.Text(0));
  }
  for (const std::string& chain_id : chain_ids) {
    ASSIGN_OR_RETURN(auto remove, tx.Prepare("DELETE FROM layers WHERE chain_id = ?"));
    RETURN_IF_ERROR(remove.Bind(1, chain_id).Run());
    doomed_dirs.push_back(fs::path(LayerDir(chain_id)).parent_path().string());
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ImageStore::RemoveName(const std::string& name) {
  std::string id;
  bool last = false;
  {
    ASSIGN_OR_RETURN(auto tx, db_->Begin());
    ASSIGN_OR_RETURN(auto owner, tx->Prepare("SELECT image_id FROM image_names WHERE name = ?"));
    ASSIGN_OR_RETURN(const bool found, owner.Bind(1, name).Step());
    if (!found) return absl::NotFoundError(fmt::format("image name {} not found", name));
    id = owner.Text(0);
    ASSIGN_OR_RETURN(auto remove, tx->Prepare("DELETE FROM image_names WHERE name = ?"));
    RETURN_IF_ERROR(remove.Bind(1, name).Run());
    // Repo digests only describe where an image came from: with its last tag gone (or its
    // digest, for an image pulled by digest alone) the image goes, as in CRI-O.
    ASSIGN_OR_RETURN(
        auto left,
        tx->Prepare("SELECT count(*) FROM image_names WHERE image_id = ? AND is_digest = 0"));
    ASSIGN_OR_RETURN(const bool counted, left.Bind(1, id).Step());
    last = counted && left.Int(0) == 0;
    RETURN_IF_ERROR(tx->Commit());
  }  // the transaction holds the connection until here
  if (last) RETURN_IF_ERROR(RemoveImage(id));
  return last;
}

absl::Status ImageStore::RemoveImage(const std::string& image_id) {
  std::vector<std::string> doomed = {fmt::format("{}/overlay-images/{}", root_, image_id)};
  {
    ASSIGN_OR_RETURN(auto tx, db_->Begin());
    ASSIGN_OR_RETURN(auto remove, tx->Prepare("DELETE FROM images WHERE id = ?"));
    RETURN_IF_ERROR(remove.Bind(1, image_id).Run());
    RETURN_IF_ERROR(DeleteUnusedLayers(*tx, doomed));
    for (const std::string& dir : doomed) RETURN_IF_ERROR(RecordIntent(*tx, dir));
    RETURN_IF_ERROR(tx->Commit());
  }
  // Files go after the commit: a crash in between leaves intents Reconcile carries out.
  for (const std::string& dir : doomed) RemoveQuietly(dir);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  RETURN_IF_ERROR(ClearIntents(*tx, doomed));
  return tx->Commit();
}

absl::StatusOr<std::set<std::string>> ImageStore::RecordedPaths(
    state::Database::Transaction& tx) const {
  std::set<std::string> paths;
  ASSIGN_OR_RETURN(auto layers, tx.Prepare("SELECT chain_id FROM layers"));
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, layers.Step());
    if (!more) break;
    paths.insert(fs::path(LayerDir(layers.Text(0))).parent_path().string());
  }
  ASSIGN_OR_RETURN(auto images, tx.Prepare("SELECT id FROM images"));
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, images.Step());
    if (!more) break;
    paths.insert(fmt::format("{}/overlay-images/{}", root_, images.Text(0)));
  }
  return paths;
}

absl::Status ImageStore::Reconcile() {
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(const std::set<std::string> recorded, RecordedPaths(*tx));
  std::vector<std::string> intents;
  ASSIGN_OR_RETURN(auto rows, tx->Prepare("SELECT path FROM intents"));
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, rows.Step());
    if (!more) break;
    intents.push_back(rows.Text(0));
  }
  // Only paths crio recorded before touching them, and that no committed record claims.
  for (const std::string& path : intents) {
    if (!recorded.contains(path)) RemoveQuietly(path);
  }
  RETURN_IF_ERROR(ClearIntents(*tx, intents));
  return tx->Commit();
}

}  // namespace crio::storage
