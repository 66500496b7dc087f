#include "server/image_service.h"

#include <chrono>

#include "storage/usage.h"

namespace crio::server {
namespace {

void AddUsage(const std::string& dir, int64_t now_ns,
              google::protobuf::RepeatedPtrField<v1::FilesystemUsage>& out) {
  const storage::Usage usage = storage::DirectoryUsage(dir);
  v1::FilesystemUsage* fs = out.Add();
  fs->set_timestamp(now_ns);
  fs->mutable_fs_id()->set_mountpoint(dir);
  fs->mutable_used_bytes()->set_value(usage.bytes);
  fs->mutable_inodes_used()->set_value(usage.inodes);
}

}  // namespace

grpc::Status ImageService::ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest* request,
                                       v1::ImageFsInfoResponse* response) {
  return edge_.Serve("ImageFsInfo", *request, response,
                     [this](const v1::ImageFsInfoRequest&, v1::ImageFsInfoResponse* out) {
                       const std::string root = config_.Snapshot()->root.root;
                       const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count();
                       AddUsage(root + "/overlay-images", now, *out->mutable_image_filesystems());
                       AddUsage(root + "/overlay-containers", now,
                                *out->mutable_container_filesystems());
                       return absl::OkStatus();
                     });
}

}  // namespace crio::server
