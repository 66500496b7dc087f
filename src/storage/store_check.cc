#include "storage/store_check.h"

#include <dirent.h>
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>

#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "storage/layer_verify.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::system_clock;

// A tar-split records each entry in a line of JSON: even a layer of a million files has a few
// hundred MiB of it at most.
constexpr uint64_t kMaxTarSplitBytes = uint64_t{1} << 30;
constexpr uint64_t kMaxBigDataBytes = uint64_t{64} << 20;
// What the overlay home holds besides layers: the short links, the library's scratch dirs and
// marker files, crio's staging dir.
constexpr std::string_view kNotLayers[] = {
    "l", "staging", "tempdirs", "backingFsBlockDev", ".has-mount-program", "crio-staging"};
// A parent chain longer than this is a loop in the records.
constexpr int kMaxChain = 1000;

// One layer store: a home of this store, or an additional image store (read-only).
struct LayerSource {
  std::string root;
  RecordFile* records;
  OverlayDirs dirs;
  bool read_only = false;
  std::vector<std::string> listed;  // the overlay home's dirs (this store's homes only)
  std::shared_ptr<const json> snapshot;
};

struct ImageSource {
  std::string root;
  RecordFile* records;
  bool read_only = false;
};

// The time an RFC 3339 "created" names (whole seconds suffice); nullopt when it names none.
std::optional<Clock::time_point> ParseCreated(const std::string& text) {
  struct tm utc {};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
  if (rest == nullptr) return std::nullopt;
  if (*rest == '.') {
    do ++rest;
    while (*rest >= '0' && *rest <= '9');
  }
  int64_t offset = 0;
  if (*rest == '+' || *rest == '-') {
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset = (*rest == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  } else if (*rest != 'Z') {
    return std::nullopt;
  }
  return Clock::from_time_t(timegm(&utc) - offset);
}

// The names of the directories in `home`, but those that are not layers.
std::vector<std::string> ListLayerDirs(const std::string& home) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(home, error)) {
    const std::string name = entry.path().filename().string();
    std::error_code type_error;
    if (!entry.is_directory(type_error) || entry.is_symlink(type_error)) continue;
    if (std::find(std::begin(kNotLayers), std::end(kNotLayers), name) != std::end(kNotLayers)) {
      continue;
    }
    names.push_back(name);
  }
  return names;
}

// Where one item's problems go.
struct Complaints {
  Problems& problems;
  std::string id;
  std::string prefix;  // "layer ID: ", …: how the item's own problems are worded

  void Add(const std::string& text) const { problems[id].push_back(prefix + text); }
  // The problems of `key` in `from`, as they were worded: what a damaged layer passes on to
  // the images on it, and a damaged image to its containers.
  void Inherit(const Problems& from, const std::string& key) const {
    if (auto it = from.find(key); it != from.end()) {
      for (const std::string& problem : it->second) problems[id].push_back(problem);
    }
  }
};

// The data item `key` of the layer or image record whose directory is `dir` (`kind` names
// which); nullopt, with the problem made, when it is missing or unreadable.
std::optional<std::string> ReadDataItem(const std::string& dir, const std::string& key,
                                        std::string_view kind, const Complaints& complain) {
  absl::StatusOr<std::string> data =
      ReadFileToString(fmt::format("{}/{}", dir, BigDataFileName(key)), kMaxBigDataBytes);
  if (absl::IsNotFound(data.status())) {
    complain.Add(fmt::format("data item {:?}: {} data item is missing", key, kind));
  } else if (!data.ok()) {
    complain.Add(fmt::format("data item {:?}: {}", key, AsStd(data.status().message())));
  } else {
    return std::move(*data);
  }
  return std::nullopt;
}

class Checker {
 public:
  Checker(const StoreFiles& files, const CheckOptions& options)
      : files_(files), options_(options) {}

  absl::StatusOr<CheckReport> Run();

 private:
  absl::Status ReadLayerSources();
  void CheckLayer(const LayerSource& source, const json& layer);
  void CheckLayerData(const LayerSource& source, const std::string& id, const json& layer,
                      const Complaints& complain);
  void CheckDigest(const LayerSource& source, const std::string& id, const json& layer,
                   const Complaints& complain);
  void CheckParents();
  absl::Status CheckImages(const ImageSource& source);
  // The problems of image `id` found in its big data, and those of its layers.
  void CheckImageData(const ImageSource& source, const std::string& id, const json& image,
                      const Complaints& complain);
  void CheckImageLayers(const std::string& top, const Complaints& complain);
  absl::Status CheckContainers();
  void CheckContainerData(const std::string& id, const json& container, const Complaints& complain);
  void FlagUnreferenced();
  void FlagUnaccounted();

  bool Known(const std::string& layer) const {
    return referenced_.contains(layer) || read_only_layers_.contains(layer);
  }
  // Counts `layer` and every layer below it as used.
  void Reference(const std::string& layer);
  bool OlderThanAge(const json& record) const {
    const std::optional<Clock::time_point> created = ParseCreated(StringField(record, "created"));
    return !created || *created + options_.max_unreferenced_age < options_.now;
  }

  const StoreFiles& files_;
  const CheckOptions& options_;
  CheckReport report_;
  std::vector<LayerSource> layer_sources_;
  std::map<std::string, bool> referenced_;  // this store's layers, and whether used
  std::set<std::string> read_only_layers_;
  std::set<std::string> examined_images_;
};

absl::StatusOr<CheckReport> Checker::Run() {
  RETURN_IF_ERROR(ReadLayerSources());
  for (const LayerSource& source : layer_sources_) {
    for (const json& layer : *source.snapshot) CheckLayer(source, layer);
  }
  CheckParents();
  std::vector<ImageSource> image_sources = {{files_.image_root, files_.images.get()}};
  if (files_.graph_images != nullptr) {
    image_sources.push_back({files_.root, files_.graph_images.get()});
  }
  for (const ReadOnlyStore& store : files_.read_only) {
    image_sources.push_back({store.root, store.images.get(), /*read_only=*/true});
  }
  for (const ImageSource& source : image_sources) RETURN_IF_ERROR(CheckImages(source));
  RETURN_IF_ERROR(CheckContainers());
  FlagUnreferenced();
  FlagUnaccounted();
  return std::move(report_);
}

absl::Status Checker::ReadLayerSources() {
  layer_sources_.push_back({files_.image_root, files_.layers.get(), files_.overlay});
  if (files_.graph_layers != nullptr) {
    layer_sources_.push_back({files_.root, files_.graph_layers.get(), files_.container_overlay});
  }
  for (const ReadOnlyStore& store : files_.read_only) {
    layer_sources_.push_back({store.root, store.layers.get(), OverlayDirs(store.root), true});
  }
  // The homes are listed before the records are read: a writer records a layer before it
  // makes its dir, so every dir listed has its record read, if it has one.
  for (LayerSource& source : layer_sources_) {
    if (!source.read_only) source.listed = ListLayerDirs(source.dirs.Home());
  }
  for (LayerSource& source : layer_sources_) {
    absl::StatusOr<RecordFile::Snapshot> snapshot = source.records->Read();
    if (!snapshot.ok()) return Annotate(snapshot.status(), "read " + source.records->path());
    source.snapshot = snapshot->records;
  }
  return absl::OkStatus();
}

void Checker::CheckLayer(const LayerSource& source, const json& layer) {
  const std::string id = StringField(layer, "id");
  if (id.empty() || Known(id)) return;  // a store searched earlier has it
  report_.layer_parents[id] = StringField(layer, "parent");
  if (source.read_only) {
    read_only_layers_.insert(id);
  } else {
    referenced_[id] = false;
  }
  const Complaints complain{source.read_only ? report_.read_only_layers : report_.layers, id,
                            fmt::format("{}layer {}: ", source.read_only ? "read-only " : "", id)};
  if (IsIncomplete(layer)) {
    // Its writer died, or is still at work: only the age tells which.
    if (OlderThanAge(layer)) {
      complain.Add("layer is incomplete");
    } else {
      referenced_[id] = true;  // not to be called unreferenced while it is being written
    }
    return;
  }
  CheckLayerData(source, id, layer, complain);
  const bool image_layer = !StringField(layer, "diff-digest").empty();
  if (options_.layer_digests && image_layer) CheckDigest(source, id, layer, complain);
  if (source.read_only) return;  // the library mounts only this store's layers
  if (const absl::Status mountable = source.dirs.CheckMountable(id); !mountable.ok()) {
    complain.Add(std::string(mountable.message()));
  }
}

void Checker::CheckLayerData(const LayerSource& source, const std::string& id, const json& layer,
                             const Complaints& complain) {
  for (const std::string& key : StringListField(layer, "big-data-names")) {
    ReadDataItem(fmt::format("{}/overlay-layers/{}", source.root, id), key, "layer", complain);
  }
}

void Checker::CheckDigest(const LayerSource& source, const std::string& id, const json& layer,
                          const Complaints& complain) {
  const std::string path = source.read_only
                               ? fmt::format("{}/overlay-layers/{}.tar-split.gz", source.root, id)
                               : files_.TarSplitPath(id);
  const absl::StatusOr<std::string> tar_split = ReadFileToString(path, kMaxTarSplitBytes);
  if (absl::IsNotFound(tar_split.status())) {
    report_.notes.push_back(
        fmt::format("layer {}: no tar-split ({}): its digest cannot be verified", id, path));
    return;
  }
  if (!tar_split.ok()) {
    complain.Add(std::string(tar_split.status().message()));
    return;
  }
  const auto size = layer.find("diff-size");
  const LayerVerifyRequest request{
      .diff_dir = source.dirs.DiffDir(id),
      .tar_split = *tar_split,
      .diff_digest = StringField(layer, "diff-digest"),
      .diff_size = size != layer.end() && size->is_number_integer() ? size->get<int64_t>() : -1,
      .contents = options_.layer_contents && !source.read_only,
      .ignore_ownership = files_.options.ignore_chown_errors};
  for (const std::string& problem : VerifyLayer(request)) complain.Add(problem);
}

void Checker::CheckParents() {
  for (const auto& [id, parent] : report_.layer_parents) {
    if (parent.empty() || Known(parent) || read_only_layers_.contains(id)) continue;
    report_.layers[id].push_back(fmt::format("layer {}: layer is missing", parent));
  }
}

absl::Status Checker::CheckImages(const ImageSource& source) {
  absl::StatusOr<RecordFile::Snapshot> snapshot = source.records->Read();
  if (!snapshot.ok()) return Annotate(snapshot.status(), "read " + source.records->path());
  for (const json& image : *snapshot->records) {
    const std::string id = StringField(image, "id");
    if (id.empty() || !examined_images_.insert(id).second) continue;
    const Complaints complain{
        source.read_only ? report_.read_only_images : report_.images, id,
        fmt::format("{}image {}: ", source.read_only ? "read-only " : "", id)};
    CheckImageData(source, id, image, complain);
    std::vector<std::string> tops = {StringField(image, "layer")};
    for (const std::string& mapped : StringListField(image, "mapped-top-layers")) {
      tops.push_back(mapped);
    }
    std::set<std::string> examined;
    for (const std::string& top : tops) {
      if (!top.empty() && examined.insert(top).second) CheckImageLayers(top, complain);
    }
  }
  return absl::OkStatus();
}

void Checker::CheckImageData(const ImageSource& source, const std::string& id, const json& image,
                             const Complaints& complain) {
  const json sizes = image.value("big-data-sizes", json::object());
  for (const std::string& key : StringListField(image, "big-data-names")) {
    const std::optional<std::string> data =
        ReadDataItem(fmt::format("{}/overlay-images/{}", source.root, id), key, "image", complain);
    if (data && (!sizes.contains(key) || !sizes[key].is_number_integer() ||
                 sizes[key].get<int64_t>() != std::ssize(*data))) {
      complain.Add(fmt::format("data item {:?}: image data item has incorrect size", key));
    }
  }
}

void Checker::CheckImageLayers(const std::string& top, const Complaints& complain) {
  std::string layer = top;
  for (int depth = 0; !layer.empty() && depth < kMaxChain; ++depth) {
    if (!Known(layer)) {
      complain.Add(fmt::format("layer {}: image layer is missing", layer));
    } else if (auto it = referenced_.find(layer); it != referenced_.end()) {
      it->second = true;
    }
    // A damaged layer damages the images on it: its problems are theirs.
    complain.Inherit(report_.layers, layer);
    complain.Inherit(report_.read_only_layers, layer);
    const auto parent = report_.layer_parents.find(layer);
    layer = parent != report_.layer_parents.end() ? parent->second : "";
  }
}

absl::Status Checker::CheckContainers() {
  absl::StatusOr<RecordFile::Snapshot> snapshot = files_.containers->Read();
  if (!snapshot.ok()) return Annotate(snapshot.status(), "read " + files_.containers->path());
  for (const json& container : *snapshot->records) {
    const std::string id = StringField(container, "id");
    if (id.empty()) continue;
    // As the library words them, what the container stands on is named without it.
    const Complaints complain{report_.containers, id, ""};
    CheckContainerData(id, container, complain);
    if (const std::string image = StringField(container, "image"); !image.empty()) {
      if (!examined_images_.contains(image)) {
        complain.Add(fmt::format("image {}: image missing", image));
      }
      complain.Inherit(report_.images, image);
      complain.Inherit(report_.read_only_images, image);
    }
    // Beyond the library's check: the container's own layer, without which it cannot run.
    if (const std::string layer = StringField(container, "layer"); !layer.empty()) {
      if (!Known(layer)) complain.Add(fmt::format("layer {}: layer is missing", layer));
      complain.Inherit(report_.layers, layer);
      Reference(layer);
    }
  }
  return absl::OkStatus();
}

void Checker::CheckContainerData(const std::string& id, const json& container,
                                 const Complaints& complain) {
  const json sizes = container.value("big-data-sizes", json::object());
  for (const std::string& key : StringListField(container, "big-data-names")) {
    const std::string path =
        fmt::format("{}/overlay-containers/{}/{}", files_.root, id, BigDataFileName(key));
    const absl::StatusOr<std::string> data = ReadFileToString(path, kMaxBigDataBytes);
    if (absl::IsNotFound(data.status())) {
      complain.Add(
          fmt::format("container {}: data item {:?}: container data item is missing", id, key));
    } else if (!data.ok()) {
      complain.Add(
          fmt::format("container {}: data item {:?}: {}", id, key, AsStd(data.status().message())));
    } else if (!sizes.contains(key) || !sizes[key].is_number_integer() ||
               sizes[key].get<int64_t>() != std::ssize(*data)) {
      complain.Add(fmt::format(
          "container {}: data item {:?}: container data item has incorrect size", id, key));
    }
  }
}

void Checker::Reference(const std::string& layer) {
  std::string current = layer;
  for (int depth = 0; !current.empty() && depth < kMaxChain; ++depth) {
    if (auto it = referenced_.find(current); it != referenced_.end()) it->second = true;
    const auto parent = report_.layer_parents.find(current);
    current = parent != report_.layer_parents.end() ? parent->second : "";
  }
}

void Checker::FlagUnreferenced() {
  for (const LayerSource& source : layer_sources_) {
    if (source.read_only) continue;
    for (const json& layer : *source.snapshot) {
      const std::string id = StringField(layer, "id");
      const auto it = referenced_.find(id);
      if (it == referenced_.end() || it->second || !OlderThanAge(layer)) continue;
      // Either nobody knows (and never will) when it was made, or it was made long enough
      // ago that no image being written now will claim it.
      report_.layers[id].push_back(
          fmt::format("layer {}: layer not referenced by any images or containers", id));
      it->second = true;  // reported once, whichever home holds it
    }
  }
}

void Checker::FlagUnaccounted() {
  for (const LayerSource& source : layer_sources_) {
    if (source.read_only) continue;
    std::set<std::string> recorded;
    for (const json& layer : *source.snapshot) recorded.insert(StringField(layer, "id"));
    for (const std::string& id : source.listed) {
      if (recorded.contains(id)) continue;
      report_.layers[id].push_back(
          fmt::format("layer {}: layer in lower level storage driver not accounted for", id));
      report_.unaccounted[id] = source.root;
    }
  }
}

}  // namespace

CheckOptions CheckEverything() { return CheckOptions{}; }

CheckOptions CheckMost() { return CheckOptions{.layer_contents = false}; }

absl::StatusOr<CheckReport> CheckStore(const StoreFiles& files, const CheckOptions& options) {
  return Checker(files, options).Run();
}

}  // namespace crio::storage
