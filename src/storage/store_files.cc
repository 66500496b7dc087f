#include "storage/store_files.h"

#include "common/status_macros.h"
#include "sys/private_dir.h"

namespace crio::storage {

absl::StatusOr<std::unique_ptr<StoreFiles>> StoreFiles::Open(const std::string& root,
                                                             const std::string& runroot) {
  for (const char* dir : {"", "/overlay", "/overlay/l", "/overlay-layers", "/overlay-images",
                          "/overlay-containers"}) {
    RETURN_IF_ERROR(sys::MakePrivateDir(root + dir));
  }
  auto files = std::make_unique<StoreFiles>(StoreFiles{.root = root, .runroot = runroot});
  auto open = [](const std::string& dir, const std::string& name) {
    return RecordFile::Open(dir + "/" + name + ".json", dir + "/" + name + ".lock");
  };
  ASSIGN_OR_RETURN(files->layers, open(root + "/overlay-layers", "layers"));
  ASSIGN_OR_RETURN(files->images, open(root + "/overlay-images", "images"));
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

}  // namespace crio::storage
