#include "storage/store_files.h"

#include <filesystem>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/step_hooks.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/private_dir.h"

namespace crio::storage {

namespace {

absl::StatusOr<ReadOnlyStore> OpenReadOnly(const std::string& root) {
  auto open = [&](const std::string& name) -> absl::StatusOr<std::unique_ptr<RecordFile>> {
    const std::string dir = root + "/overlay-" + name;
    auto file = RecordFile::Open(dir + "/" + name + ".json", dir + "/" + name + ".lock",
                                 LockFile::Mode::kReadOnly);
    if (!file.ok()) {
      return absl::Status(file.status().code(),
                          fmt::format("additional image store {}: {}", root,
                                      AsStd(file.status().message())));
    }
    return file;
  };
  ReadOnlyStore store{.root = root};
  ASSIGN_OR_RETURN(store.layers, open("layers"));
  ASSIGN_OR_RETURN(store.images, open("images"));
  return store;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StoreFiles>> StoreFiles::Open(const std::string& root,
                                                             const std::string& runroot,
                                                             DriverOptions options) {
  const std::string image_root = options.image_store.empty() ? root : options.image_store;
  const bool split = image_root != root;
  for (const std::string& home : split ? std::vector{root, image_root} : std::vector{root}) {
    for (const char* dir : {"", "/overlay", "/overlay/l", "/overlay-layers", "/overlay-images"}) {
      RETURN_IF_ERROR(sys::MakePrivateDir(home + dir));
    }
  }
  RETURN_IF_ERROR(sys::MakePrivateDir(root + "/overlay-containers"));
  // Where each home looks for the layers it does not hold: the other home, then the
  // additional stores.
  std::vector<std::string> beside_images = options.additional_image_stores;
  std::vector<std::string> beside_containers = options.additional_image_stores;
  if (split) {
    beside_images.insert(beside_images.begin(), root);
    beside_containers.insert(beside_containers.begin(), image_root);
  }
  auto files = std::make_unique<StoreFiles>(StoreFiles{
      .root = root,
      .runroot = runroot,
      .options = std::move(options),
      .image_root = image_root,
      .overlay = OverlayDirs(image_root, std::move(beside_images)),
      .container_overlay = OverlayDirs(root, std::move(beside_containers)),
  });
  for (const std::string& store : files->options.additional_image_stores) {
    ASSIGN_OR_RETURN(ReadOnlyStore opened, OpenReadOnly(store));
    files->read_only.push_back(std::move(opened));
  }
  auto open = [](const std::string& dir, const std::string& name) {
    return RecordFile::Open(dir + "/" + name + ".json", dir + "/" + name + ".lock");
  };
  if (split) {
    ASSIGN_OR_RETURN(files->graph_layers, open(root + "/overlay-layers", "layers"));
    ASSIGN_OR_RETURN(files->graph_images, open(root + "/overlay-images", "images"));
  }
  ASSIGN_OR_RETURN(files->layers, open(image_root + "/overlay-layers", "layers"));
  ASSIGN_OR_RETURN(files->images, open(image_root + "/overlay-images", "images"));
  ASSIGN_OR_RETURN(files->containers, open(root + "/overlay-containers", "containers"));
  ASSIGN_OR_RETURN(files->graph_lock, LockFile::Open(root + "/storage.lock"));
  if (!runroot.empty()) {
    for (const char* dir : {"", "/overlay-layers", "/overlay-containers"}) {
      RETURN_IF_ERROR(sys::MakePrivateDir(runroot + dir));
    }
    ASSIGN_OR_RETURN(files->mountpoints, open(runroot + "/overlay-layers", "mountpoints"));
  }
  return files;
}

const OverlayDirs& StoreFiles::DirsOf(const RecordFile::Writing& writing) const {
  return &writing.file() == graph_layers.get() ? container_overlay : overlay;
}

absl::StatusOr<bool> StoreFiles::HasLayerOutside(const RecordFile& file,
                                                 const std::string& id) const {
  std::vector<RecordFile*> others;
  if (graph_layers != nullptr) {
    others.push_back(&file == layers.get() ? graph_layers.get() : layers.get());
  }
  for (const ReadOnlyStore& store : read_only) others.push_back(store.layers.get());
  for (RecordFile* other : others) {
    ASSIGN_OR_RETURN(const RecordFile::Snapshot snapshot, other->Read());
    if (HasCompleteLayer(*snapshot.records, id)) return true;
  }
  return false;
}

bool StoreFiles::HasStoredLayer(const RecordFile& file, const nlohmann::json& records,
                                const std::string& id) const {
  return HasCompleteLayer(records, id) || HasLayerOutside(file, id).value_or(false);
}

std::string StoreFiles::TarSplitPath(const std::string& layer_id) const {
  return fmt::format("{}/overlay-layers/{}.tar-split.gz", root, layer_id);
}

absl::Status StoreFiles::AddLayer(RecordFile::Writing& writing, nlohmann::json record,
                                  const std::string& staged_diff,
                                  const std::string& tar_split) const {
  const std::string id = StringField(record, "id");
  const std::string parent = StringField(record, "parent");
  MarkIncomplete(record);
  writing.records().push_back(std::move(record));
  RETURN_IF_ERROR(writing.Save());
  AfterStep("layer.incomplete");
  absl::Status made = DirsOf(writing).Create(id, parent, staged_diff);
  if (made.ok() && !tar_split.empty()) {
    made = WriteFileAtomically(TarSplitPath(id), tar_split, 0600);
  }
  if (!made.ok()) {
    if (absl::Status deleted = DeleteLayers(writing, {id}); !deleted.ok()) {
      log::Warn("Layer {} stays recorded incomplete until the next start: {}", id,
                AsStd(deleted.message()));
    }
    return made;
  }
  AfterStep("layer.files");
  FindRecord(writing.records(), id)->erase("flags");
  return writing.Save();
}

absl::Status StoreFiles::DeleteLayers(RecordFile::Writing& writing,
                                      const std::vector<std::string>& ids) const {
  bool recorded = false;
  for (const std::string& id : ids) {
    if (nlohmann::json* layer = FindRecord(writing.records(), id); layer != nullptr) {
      MarkIncomplete(*layer);  // the intent, should a crash interrupt
      recorded = true;
    }
  }
  if (recorded) RETURN_IF_ERROR(writing.Save());
  for (const std::string& id : ids) {
    RETURN_IF_ERROR(DirsOf(writing).Remove(id));
    std::error_code error;
    std::filesystem::remove(TarSplitPath(id), error);
    if (error) return ErrnoToStatus(error.value(), "remove " + TarSplitPath(id));
    EraseRecord(writing.records(), id);
  }
  return recorded ? writing.Save() : absl::OkStatus();
}

}  // namespace crio::storage
