#include "storage/image_store.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/random_id.h"
#include "common/read_file.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/step_hooks.h"
#include "fmt/format.h"
#include "sys/private_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Inside the driver's home, which may be a mount of its own: a layer is renamed into place.
constexpr char kStagingDir[] = "overlay/crio-staging";
constexpr uint64_t kMaxBigDataBytes = uint64_t{16} << 20;

std::string Hex(const std::string& digest) {
  const size_t colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

bool IsHex(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

int64_t UnixSeconds(const std::string& rfc3339) {
  struct tm utc {};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &utc) == nullptr) return 0;
  return static_cast<int64_t>(timegm(&utc));
}

// A new image record's "created": the pull time the caller gives (an image imported from
// crio's old store keeps its own), else now. Whole seconds as Go's time.Time writes them.
std::string CreatedTime(int64_t pulled_at) {
  if (pulled_at <= 0) return Rfc3339Now();
  const time_t seconds = static_cast<time_t>(pulled_at);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char text[32];
  strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// ROOT/overlay-images/ID: where image `id`'s big data lives in the store under `root`.
std::string ImageDirUnder(const std::string& root, const std::string& id) {
  return fmt::format("{}/overlay-images/{}", root, id);
}

// "docker.io/library/busybox" of "docker.io/library/busybox:1" or "…@sha256:…".
std::string Repository(const std::string& name) {
  if (const size_t at = name.find('@'); at != std::string::npos) return name.substr(0, at);
  const size_t colon = name.rfind(':');
  if (colon != std::string::npos && name.find('/', colon) == std::string::npos) {
    return name.substr(0, colon);
  }
  return name;
}

int64_t Int(const json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Whether image `record` has the manifest digest `digested` ("repo@sha256:…") names.
bool HasDigest(const json& record, const std::string& digested) {
  const std::string digest = digested.substr(digested.find('@') + 1);
  if (StringField(record, "digest") == digest) return true;
  const std::vector<std::string> keys = StringListField(record, "big-data-names");
  return std::find(keys.begin(), keys.end(), "manifest-" + digest) != keys.end();
}

json LayerJson(const LayerRecord& layer) {
  json record = {{"id", layer.id}, {"created", Rfc3339Now()}};
  if (!layer.parent.empty()) record["parent"] = layer.parent;
  if (!layer.compressed_digest.empty()) {
    record["compressed-diff-digest"] = layer.compressed_digest;
    record["compressed-size"] = layer.compressed_size;
  }
  record["diff-digest"] = layer.diff_digest;
  record["diff-size"] = layer.diff_size;
  record["compression"] = static_cast<int>(layer.compression);
  if (!layer.uids.empty()) record["uidset"] = layer.uids;
  if (!layer.gids.empty()) record["gidset"] = layer.gids;
  return record;
}

absl::Status RemovePath(const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
  if (error) return ErrnoToStatus(error.value(), fmt::format("remove {}", path));
  return absl::OkStatus();
}

using BigData = std::map<std::string, std::string>;  // by containers/storage's key

// An image's big data as containers/image stores it: the config under its digest, each
// manifest under "manifest-DIGEST", the image's own also under "manifest", and an empty
// signature list for it.
absl::StatusOr<BigData> ImageBigData(const ImageRecord& image, const std::string& config_json,
                                     const std::vector<StoredManifest>& manifests) {
  BigData big_data = {{"sha256:" + image.id, config_json}};
  for (const StoredManifest& manifest : manifests) {
    big_data["manifest-" + manifest.digest] = manifest.body;
    if (manifest.digest == image.manifest_digest) big_data["manifest"] = manifest.body;
  }
  if (!big_data.contains("manifest")) {
    return absl::InvalidArgumentError("the image's own manifest is missing");
  }
  big_data["signature-" + Hex(image.manifest_digest)] = "";
  return big_data;
}

// The names an image is stored under: its tags, and a digested name for each repository it
// has no tag in (what containers/image stores for a pull by digest).
std::vector<std::string> StoredNames(const ImageRecord& image) {
  std::vector<std::string> names = image.repo_tags;
  for (const std::string& digested : image.repo_digests) {
    const std::string repository = Repository(digested);
    if (std::none_of(names.begin(), names.end(),
                     [&](const std::string& name) { return Repository(name) == repository; })) {
      names.push_back(digested);
    }
  }
  return names;
}

// A name belongs to one image: `names` leave `record`.
void TakeNames(json& record, const std::vector<std::string>& names) {
  std::vector<std::string> kept = StringListField(record, "names");
  const size_t before = kept.size();
  std::erase_if(kept, [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  });
  if (kept.size() != before) record["names"] = kept;
}

// Adds `names` to the record's names, and to the front of its names-history.
void AddNames(json& record, const std::vector<std::string>& names) {
  std::vector<std::string> all = StringListField(record, "names");
  std::vector<std::string> history = names;
  for (const std::string& name : names) {
    if (std::find(all.begin(), all.end(), name) == all.end()) all.push_back(name);
  }
  for (const std::string& old : StringListField(record, "names-history")) {
    if (std::find(history.begin(), history.end(), old) == history.end()) history.push_back(old);
  }
  record["names"] = all;
  record["names-history"] = history;
}

// Records the keys, sizes and digests of `big_data` in the image's record.
void AddBigData(json& record, const BigData& big_data) {
  std::vector<std::string> keys = StringListField(record, "big-data-names");
  json sizes = record.value("big-data-sizes", json::object());
  json digests = record.value("big-data-digests", json::object());
  for (const auto& [key, value] : big_data) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    sizes[key] = value.size();
    digests[key] = Sha256Digest(value);
  }
  record["big-data-names"] = keys;
  record["big-data-sizes"] = sizes;
  record["big-data-digests"] = digests;
}

using LayersById = std::map<std::string, const json*>;

// An image as its record and its layers' records describe it (all but the config's user).
ImageRecord ImageFromRecords(const json& record, const LayersById& layers) {
  ImageRecord image{.id = StringField(record, "id")};
  // The layers, top down, then reversed; the size as containers/storage counts it.
  std::string layer_id = StringField(record, "layer");
  for (size_t depth = 0; !layer_id.empty() && depth < 1000; ++depth) {
    auto layer = layers.find(layer_id);
    if (layer == layers.end()) break;
    image.layers.push_back(layer_id);
    image.size += Int(*layer->second, "diff-size");
    layer_id = StringField(*layer->second, "parent");
  }
  std::reverse(image.layers.begin(), image.layers.end());
  const json big_data_sizes = record.value("big-data-sizes", json::object());
  for (const auto& [key, size] : big_data_sizes.items()) {
    if (size.is_number_integer()) image.size += size.get<int64_t>();
  }
  const json manifest_digests = record.value("big-data-digests", json::object());
  image.manifest_digest = manifest_digests.value("manifest", StringField(record, "digest"));
  image.pulled_at = UnixSeconds(StringField(record, "created"));
  // Repo digests: every repository the names mention, with every manifest digest kept.
  std::vector<std::string> digests = {StringField(record, "digest")};
  for (const std::string& key : StringListField(record, "big-data-names")) {
    const std::string digest = key.starts_with("manifest-") ? key.substr(9) : "";
    if (!digest.empty() && std::find(digests.begin(), digests.end(), digest) == digests.end()) {
      digests.push_back(digest);
    }
  }
  std::vector<std::string> repositories;
  for (const std::string& name : StringListField(record, "names")) {
    if (name.find('@') == std::string::npos) image.repo_tags.push_back(name);
    const std::string repository = Repository(name);
    if (std::find(repositories.begin(), repositories.end(), repository) == repositories.end()) {
      repositories.push_back(repository);
    }
  }
  for (const std::string& repository : repositories) {
    for (const std::string& digest : digests) {
      if (!digest.empty()) image.repo_digests.push_back(repository + "@" + digest);
    }
  }
  return image;
}

}  // namespace

struct ImageStore::Index {
  // Of each record file read: this store's layers and images, then each read-only store's.
  std::vector<uint64_t> generations;
  std::vector<ImageRecord> images;
  std::map<std::string, size_t> by_id;
  std::map<std::string, size_t> by_name;  // names and repo digests
};

absl::StatusOr<std::unique_ptr<ImageStore>> ImageStore::Open(const std::string& root,
                                                             const std::string& runroot,
                                                             DriverOptions options) {
  ASSIGN_OR_RETURN(auto files, StoreFiles::Open(root, runroot, std::move(options)));
  RETURN_IF_ERROR(sys::MakePrivateDir(files->image_root + "/" + kStagingDir));
  return std::unique_ptr<ImageStore>(new ImageStore(std::move(files)));
}

std::string ImageStore::ImageDir(const std::string& id) const {
  return ImageDirUnder(image_root_, id);
}

std::vector<ImageStore::Home> ImageStore::Homes() const {
  std::vector<Home> homes = {{layers_, images_, image_root_}};
  if (files_->graph_images != nullptr) {
    homes.push_back({files_->graph_layers.get(), files_->graph_images.get(), files_->root});
  }
  return homes;
}

absl::StatusOr<std::string> ImageStore::NewLayerStaging(const std::string& id) const {
  const std::string staging = fmt::format("{}/{}/{}-{}", image_root_, kStagingDir, Hex(id),
                                          NewRandomId().substr(0, 12));
  if (::mkdir(staging.c_str(), 0755) != 0) {
    return ErrnoToStatus(errno, fmt::format("create {}", staging));
  }
  return staging;
}

absl::Status ImageStore::DiscardLayerStaging(const std::string& staging) const {
  // What stays behind on failure goes at the next start (Reconcile).
  return RemovePath(staging);
}

absl::StatusOr<bool> ImageStore::HasLayer(const std::string& id) {
  ASSIGN_OR_RETURN(const RecordFile::Snapshot layers, layers_->Read());
  if (HasCompleteLayer(*layers.records, id)) return true;
  return files_->HasLayerOutside(*layers_, id);
}

absl::Status ImageStore::CommitLayer(const LayerRecord& layer, const std::string& staging) {
  // Other layer files are read before this one is locked: the graph root's comes first in
  // the locking order.
  ASSIGN_OR_RETURN(const bool elsewhere, files_->HasLayerOutside(*layers_, layer.id));
  if (elsewhere) return DiscardLayerStaging(staging);
  bool parent_elsewhere = false;
  if (!layer.parent.empty()) {
    ASSIGN_OR_RETURN(parent_elsewhere, files_->HasLayerOutside(*layers_, layer.parent));
  }
  ASSIGN_OR_RETURN(RecordFile::Writing layers, layers_->Write());
  if (const json* present = FindRecord(layers.records(), layer.id); present != nullptr) {
    if (!IsIncomplete(*present)) return DiscardLayerStaging(staging);
    // Under the write lock an incomplete layer is one whose writer died (or whose undo
    // failed): it goes, as start-up would remove it.
    RETURN_IF_ERROR(files_->DeleteLayers(layers, {layer.id}));
  }
  if (!layer.parent.empty() && !parent_elsewhere &&
      !HasCompleteLayer(layers.records(), layer.parent)) {
    return absl::FailedPreconditionError(
        fmt::format("layer {}: its parent {} is not stored", layer.id, layer.parent));
  }
  return files_->AddLayer(layers, LayerJson(layer), staging, layer.tar_split);
}

absl::Status ImageStore::PutImage(const ImageRecord& image, const std::string& config_json,
                                  const std::vector<StoredManifest>& manifests) {
  ASSIGN_OR_RETURN(const BigData big_data, ImageBigData(image, config_json, manifests));
  // Layers first, images second: containers/storage's locking order.
  ASSIGN_OR_RETURN(const RecordFile::Snapshot layers, layers_->Read());
  if (!image.layers.empty() &&
      !files_->HasStoredLayer(*layers_, *layers.records, image.layers.back())) {
    return absl::FailedPreconditionError(
        fmt::format("image {}: its layer {} is not stored", image.id, image.layers.back()));
  }
  ASSIGN_OR_RETURN(RecordFile::Writing images, images_->Write());
  RETURN_IF_ERROR(sys::MakePrivateDir(ImageDir(image.id)));
  for (const auto& [key, value] : big_data) {
    RETURN_IF_ERROR(WriteFileAtomically(ImageDir(image.id) + "/" + BigDataFileName(key), value));
  }
  AfterStep("image.big_data");
  json& records = images.records();
  const std::vector<std::string> names = StoredNames(image);
  for (json& other : records) {
    if (StringField(other, "id") != image.id) TakeNames(other, names);
  }
  json* record = FindRecord(records, image.id);
  if (record == nullptr) {
    records.push_back({{"id", image.id}, {"created", CreatedTime(image.pulled_at)}});
    record = &records.back();
  }
  AddNames(*record, names);
  if (!image.layers.empty()) (*record)["layer"] = image.layers.back();
  // As containers/image: the digest the reference resolved to (an index's, if it was one).
  if (StringField(*record, "digest").empty()) (*record)["digest"] = manifests.front().digest;
  if (!record->contains("metadata")) {
    (*record)["metadata"] =
        json{{"signatures-sizes", {{image.manifest_digest, json::array()}}}}.dump();
  }
  AddBigData(*record, big_data);
  return images.Save();
}

absl::StatusOr<std::shared_ptr<const ImageStore::Index>> ImageStore::CurrentIndex() {
  // This store's files first (the image store's, then the graph root's): their layers and
  // images win over the read-only stores'.
  std::vector<RecordFile::Snapshot> layers, images;
  std::vector<std::string> stores;
  for (const Home& home : Homes()) {
    ASSIGN_OR_RETURN(layers.emplace_back(), home.layers->Read());
    ASSIGN_OR_RETURN(images.emplace_back(), home.images->Read());
    stores.push_back("");
  }
  for (const ReadOnlyStore& store : files_->read_only) {
    ASSIGN_OR_RETURN(layers.emplace_back(), store.layers->Read());
    ASSIGN_OR_RETURN(images.emplace_back(), store.images->Read());
    stores.push_back(store.root);
  }
  std::vector<uint64_t> generations;
  for (size_t i = 0; i < layers.size(); ++i) {
    generations.push_back(layers[i].generation);
    generations.push_back(images[i].generation);
  }
  DetailsByImage known;
  {
    absl::MutexLock lock(&index_mu_);
    if (index_ != nullptr && index_->generations == generations) return index_;
    known = details_;
  }
  DetailsByImage kept;  // of the images there are now
  LayersById layer_by_id;
  for (const RecordFile::Snapshot& snapshot : layers) {
    for (const json& layer : *snapshot.records) {
      layer_by_id.emplace(StringField(layer, "id"), &layer);
    }
  }
  auto index = std::make_shared<Index>();
  index->generations = std::move(generations);
  for (size_t store = 0; store < images.size(); ++store) {
    for (const json& record : *images[store].records) {
      ImageRecord image = ImageFromRecords(record, layer_by_id);
      if (index->by_id.contains(image.id)) continue;
      image.read_only_store = stores[store];
      AddDetails(image, known, kept);
      const size_t position = index->images.size();
      index->by_id[image.id] = position;
      for (const std::string& name : StringListField(record, "names")) {
        index->by_name.emplace(name, position);
      }
      for (const std::string& name : image.repo_digests) index->by_name.emplace(name, position);
      index->images.push_back(std::move(image));
    }
  }
  absl::MutexLock lock(&index_mu_);
  details_ = std::move(kept);
  index_ = index;
  return std::shared_ptr<const Index>(index);
}

ImageStore::Details ImageStore::ReadDetails(const std::string& image_id) {
  Details details;
  if (auto config = ReadBigData(image_id, "sha256:" + image_id); config.ok()) {
    const json parsed = json::parse(*config, nullptr, false);
    if (parsed.is_object() && parsed.contains("config") && parsed["config"].is_object()) {
      details.user = parsed["config"].value("User", "");
    }
  }
  if (auto manifest = ReadBigData(image_id, "manifest"); manifest.ok()) {
    const json parsed = json::parse(*manifest, nullptr, false);
    if (parsed.is_object() && parsed.contains("annotations") && parsed["annotations"].is_object()) {
      for (const auto& [name, value] : parsed["annotations"].items()) {
        if (value.is_string()) details.annotations[name] = value.get<std::string>();
      }
    }
  }
  return details;
}

void ImageStore::AddDetails(ImageRecord& image, const DetailsByImage& known,
                            DetailsByImage& kept) {
  const std::string key = image.id + "+" + image.manifest_digest;
  auto it = kept.find(key);
  if (it == kept.end()) {
    auto was = known.find(key);
    it = kept.emplace(key, was != known.end() ? was->second : ReadDetails(image.id)).first;
  }
  image.user = it->second.user;
  image.annotations = it->second.annotations;
}

absl::StatusOr<ImageList> ImageStore::List() {
  ASSIGN_OR_RETURN(auto index, CurrentIndex());
  return ImageList(index, &index->images);
}

absl::StatusOr<std::optional<ImageRecord>> ImageStore::Find(const std::string& key) {
  ASSIGN_OR_RETURN(auto index, CurrentIndex());
  const std::string hex = key.starts_with("sha256:") ? key.substr(7) : key;
  if (auto it = index->by_id.find(hex); it != index->by_id.end()) {
    return index->images[it->second];
  }
  if (auto it = index->by_name.find(key); it != index->by_name.end()) {
    return index->images[it->second];
  }
  if (hex.size() >= 3 && IsHex(hex)) {
    auto it = index->by_id.lower_bound(hex);
    if (it != index->by_id.end() && it->first.starts_with(hex)) {
      auto next = std::next(it);
      if (next == index->by_id.end() || !next->first.starts_with(hex)) {
        return index->images[it->second];
      }
    }
  }
  return std::optional<ImageRecord>();
}

absl::StatusOr<std::string> ImageStore::ReadBigData(const std::string& image_id,
                                                    const std::string& key) {
  if (!IsHex(image_id)) return absl::InvalidArgumentError("invalid image id " + image_id);
  const std::string file = "/" + BigDataFileName(key);
  std::vector<std::string> roots;
  for (const Home& home : Homes()) roots.push_back(home.root);
  for (const ReadOnlyStore& store : files_->read_only) roots.push_back(store.root);
  absl::StatusOr<std::string> data = absl::NotFoundError("no image store");
  for (size_t i = 0; absl::IsNotFound(data.status()) && i < roots.size(); ++i) {
    data = ReadFileToString(ImageDirUnder(roots[i], image_id) + file, kMaxBigDataBytes);
  }
  return data;
}

absl::Status ImageStore::RefuseReadOnly(const std::string& key) {
  ASSIGN_OR_RETURN(const std::optional<ImageRecord> image, Find(key));
  if (image.has_value() && !image->read_only_store.empty()) {
    return absl::FailedPreconditionError(
        fmt::format("image {} is in the read-only image store {}", image->id,
                    image->read_only_store));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ImageStore::ReadConfig(const std::string& image_id) {
  return ReadBigData(image_id, "sha256:" + image_id);
}

absl::StatusOr<std::string> ImageStore::ReadManifest(const std::string& image_id) {
  return ReadBigData(image_id, "manifest");
}

absl::StatusOr<ImageStore::HomeWritings> ImageStore::WriteHomes() {
  const std::vector<Home> homes = Homes();
  HomeWritings writings;
  writings.homes = homes;
  writings.layers.reserve(homes.size());
  writings.images.reserve(homes.size());
  // The library's order: the graph root's layers, the image store's; then the image store's
  // images, the graph root's.
  std::vector<RecordFile::Writing> layers_last_first;
  for (size_t i = homes.size(); i-- > 0;) {
    ASSIGN_OR_RETURN(RecordFile::Writing layers, homes[i].layers->Write());
    layers_last_first.push_back(std::move(layers));
  }
  for (size_t i = homes.size(); i-- > 0;) {
    writings.layers.push_back(std::move(layers_last_first[i]));
  }
  for (const Home& home : homes) {
    ASSIGN_OR_RETURN(RecordFile::Writing images, home.images->Write());
    writings.images.push_back(std::move(images));
  }
  return writings;
}

absl::StatusOr<bool> ImageStore::RemoveName(const std::string& name) {
  RETURN_IF_ERROR(RefuseReadOnly(name));
  ASSIGN_OR_RETURN(HomeWritings homes, WriteHomes());
  const bool digested = name.find('@') != std::string::npos;
  for (size_t home = 0; home < homes.images.size(); ++home) {
    RecordFile::Writing& images = homes.images[home];
    for (json& record : images.records()) {
      std::vector<std::string> names = StringListField(record, "names");
      const size_t before = names.size();
      std::erase_if(names, [&](const std::string& candidate) {
        return candidate == name ||
               (digested && Repository(candidate) == Repository(name) && HasDigest(record, name));
      });
      if (names.size() == before) continue;
      if (!names.empty()) {
        record["names"] = names;
        RETURN_IF_ERROR(images.Save());
        return false;
      }
      RETURN_IF_ERROR(DeleteImage(homes, home, StringField(record, "id")));
      return true;
    }
  }
  return absl::NotFoundError(fmt::format("no image is named {}", name));
}

absl::Status ImageStore::RemoveImage(const std::string& image_id) {
  RETURN_IF_ERROR(RefuseReadOnly(image_id));
  ASSIGN_OR_RETURN(HomeWritings homes, WriteHomes());
  for (size_t home = 0; home < homes.images.size(); ++home) {
    if (FindRecord(homes.images[home].records(), image_id) != nullptr) {
      return DeleteImage(homes, home, image_id);
    }
  }
  return absl::OkStatus();
}

absl::Status ImageStore::DeleteImage(HomeWritings& homes, size_t home, const std::string& id) {
  ASSIGN_OR_RETURN(const RecordFile::Snapshot containers, containers_->Read());
  for (const json& container : *containers.records) {
    if (StringField(container, "image") == id) {
      return absl::FailedPreconditionError(fmt::format(
          "image {} is in use by container {}", id, StringField(container, "id")));
    }
  }
  RecordFile::Writing& images = homes.images[home];
  const json* record = FindRecord(images.records(), id);
  std::string layer_id = record != nullptr ? StringField(*record, "layer") : "";
  EraseRecord(images.records(), id);
  RETURN_IF_ERROR(images.Save());
  RETURN_IF_ERROR(RemovePath(ImageDirUnder(homes.homes[home].root, id)));
  // The image's layers, top down, while no image and no other layer (in either home) stands
  // on them. A layer may be in the other home: a pull after the split reuses the layers
  // stored before it.
  std::set<std::string> doomed;
  std::vector<std::vector<std::string>> doomed_by_home(homes.layers.size());
  auto used = [&](const std::string& layer) {
    for (RecordFile::Writing& other : homes.images) {
      for (const json& image : other.records()) {
        if (StringField(image, "layer") == layer) return true;
      }
    }
    for (RecordFile::Writing& other : homes.layers) {
      for (const json& above : other.records()) {
        if (StringField(above, "parent") == layer && !doomed.contains(StringField(above, "id"))) {
          return true;
        }
      }
    }
    return false;
  };
  while (!layer_id.empty() && !used(layer_id)) {
    const json* layer = nullptr;
    size_t holder = 0;
    for (; holder < homes.layers.size() && layer == nullptr; ++holder) {
      layer = FindRecord(homes.layers[holder].records(), layer_id);
    }
    if (layer == nullptr) break;  // an additional store's
    doomed.insert(layer_id);
    doomed_by_home[holder - 1].push_back(layer_id);
    layer_id = StringField(*layer, "parent");
  }
  for (size_t i = 0; i < homes.layers.size(); ++i) {
    if (!doomed_by_home[i].empty()) {
      RETURN_IF_ERROR(files_->DeleteLayers(homes.layers[i], doomed_by_home[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status ImageStore::Reconcile() {
  for (const Home& home : Homes()) {
    ASSIGN_OR_RETURN(RecordFile::Writing layers, home.layers->Write());
    std::vector<std::string> incomplete;
    for (const json& layer : layers.records()) {
      if (IsIncomplete(layer)) incomplete.push_back(StringField(layer, "id"));
    }
    if (!incomplete.empty()) RETURN_IF_ERROR(files_->DeleteLayers(layers, incomplete));
  }
  for (const Home& home : Homes()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(home.root + "/" + kStagingDir, error)) {
      RETURN_IF_ERROR(RemovePath(entry.path().string()));
    }
  }
  return absl::OkStatus();
}

}  // namespace crio::storage
