#include "server/image_service.h"

#include <chrono>

#include "common/status_macros.h"
#include "fmt/format.h"
#include "image/auth.h"
#include "image/image_config.h"
#include "nlohmann/json.hpp"
#include "storage/usage.h"

namespace crio::server {
namespace {

// StreamImages sends the list in chunks of this many images, as CRI-O does.
constexpr int kStreamChunk = 3000;

void AddUsage(const std::string& dir, int64_t now_ns,
              google::protobuf::RepeatedPtrField<v1::FilesystemUsage>& out) {
  const storage::Usage usage = storage::DirectoryUsage(dir);
  v1::FilesystemUsage* fs = out.Add();
  fs->set_timestamp(now_ns);
  fs->mutable_fs_id()->set_mountpoint(dir);
  fs->mutable_used_bytes()->set_value(usage.bytes);
  fs->mutable_inodes_used()->set_value(usage.inodes);
}

absl::Status NeedImage(const v1::ImageSpec& spec) {
  if (spec.image().empty()) return absl::InvalidArgumentError("no image specified");
  return absl::OkStatus();
}

}  // namespace

image::Pins ImageService::CurrentPins() const {
  const auto config = config_.Snapshot();
  return image::Pins(config->image.pinned_images, config->image.pause_image);
}

void ImageService::Fill(const storage::ImageRecord& record, const image::Pins& pins,
                        v1::Image& out) const {
  out.set_id(record.id);
  for (const std::string& tag : record.repo_tags) out.add_repo_tags(tag);
  for (const std::string& digest : record.repo_digests) out.add_repo_digests(digest);
  out.set_size(static_cast<uint64_t>(record.size));
  const image::ImageUser user = image::ParseImageUser(record.user);
  if (user.uid) {
    out.mutable_uid()->set_value(*user.uid);
  } else {
    out.set_username(user.username);
  }
  out.mutable_spec()->set_image(record.id);
  for (const auto& [key, value] : record.annotations) {
    (*out.mutable_spec()->mutable_annotations())[key] = value;
  }
  out.set_pinned(pins.Match(record));
}

absl::StatusOr<storage::ImageList> ImageService::Select(const v1::ImageFilter& filter) {
  const std::string& wanted = filter.image().image();
  if (wanted.empty()) return images_.List();
  auto selected = std::make_shared<std::vector<storage::ImageRecord>>();
  // "@ID" is containers/storage's reference to an image by ID (`crictl images @ID`).
  const bool by_id = wanted.starts_with('@');
  const std::string key = by_id ? wanted.substr(1) : wanted;
  if (by_id && (key.empty() || key.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return selected;
  }
  ASSIGN_OR_RETURN(auto found, images_.Find(key));
  if (found) selected->push_back(std::move(*found));
  return selected;
}

absl::StatusOr<std::shared_ptr<const ImageService::Listing>> ImageService::ListingFor(
    const v1::ListImagesRequest& request) {
  ASSIGN_OR_RETURN(storage::ImageList images, Select(request.filter()));
  std::shared_ptr<const config::Config> config = config_.Snapshot();
  const bool all = request.filter().image().image().empty();
  if (all) {
    absl::MutexLock lock(&listing_mu_);
    // Both are kept alive by the listing, so equal pointers mean the same index and config.
    if (listing_ != nullptr && listing_->images == images && listing_->config == config) {
      return listing_;
    }
  }
  auto listing = std::make_shared<Listing>();
  const image::Pins pins(config->image.pinned_images, config->image.pause_image);
  for (const auto& image : *images) Fill(image, pins, *listing->response.add_images());
  std::string serialized;
  listing->response.SerializeToString(&serialized);
  grpc::Slice slice(serialized);
  listing->bytes = grpc::ByteBuffer(&slice, 1);
  listing->images = std::move(images);
  listing->config = std::move(config);
  if (all) {
    absl::MutexLock lock(&listing_mu_);
    listing_ = listing;
  }
  return std::shared_ptr<const Listing>(std::move(listing));
}

grpc::Status ImageService::ServeListImages(const v1::ListImagesRequest& request,
                                           std::shared_ptr<const Listing>& listing) {
  std::shared_ptr<const v1::ListImagesResponse> answer;
  return edge_.ServeShared(
      "ListImages", request, answer,
      [&](const v1::ListImagesRequest& in, std::shared_ptr<const v1::ListImagesResponse>& out) {
        ASSIGN_OR_RETURN(listing, ListingFor(in));
        out = std::shared_ptr<const v1::ListImagesResponse>(listing, &listing->response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ImageService::ListImages(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (request->Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  v1::ListImagesRequest parsed;
  if (!parsed.ParseFromString(bytes)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "the ListImages request is not a ListImagesRequest message"));
    return reactor;
  }
  std::shared_ptr<const Listing> listing;
  const grpc::Status status = ServeListImages(parsed, listing);
  if (status.ok()) *response = listing->bytes;
  reactor->Finish(status);
  return reactor;
}

grpc::Status ImageService::ListImages(grpc::ServerContext*, const v1::ListImagesRequest* request,
                                      v1::ListImagesResponse* response) {
  std::shared_ptr<const Listing> listing;
  const grpc::Status status = ServeListImages(*request, listing);
  if (status.ok()) *response = listing->response;
  return status;
}

grpc::Status ImageService::StreamImages(grpc::ServerContext*,
                                        const v1::StreamImagesRequest* request,
                                        grpc::ServerWriter<v1::StreamImagesResponse>* writer) {
  v1::StreamImagesResponse unused;
  return edge_.Serve("StreamImages", *request, &unused,
                     [this, writer](const v1::StreamImagesRequest& in, v1::StreamImagesResponse*) {
                       ASSIGN_OR_RETURN(const auto images, Select(in.filter()));
                       const image::Pins pins = CurrentPins();
                       v1::StreamImagesResponse chunk;
                       for (size_t i = 0; i < images->size(); ++i) {
                         Fill((*images)[i], pins, *chunk.add_images());
                         if (chunk.images_size() == kStreamChunk || i + 1 == images->size()) {
                           if (!writer->Write(chunk))
                             return absl::CancelledError("client went away");
                           chunk.Clear();
                         }
                       }
                       return absl::OkStatus();
                     });
}

grpc::Status ImageService::ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* request,
                                       v1::ImageStatusResponse* response) {
  return edge_.Serve(
      "ImageStatus", *request, response,
      [this](const v1::ImageStatusRequest& in, v1::ImageStatusResponse* out) {
        RETURN_IF_ERROR(NeedImage(in.image()));
        ASSIGN_OR_RETURN(const auto found, images_.Find(in.image().image()));
        if (!found) return absl::OkStatus();  // CRI: an unknown image is an empty answer
        Fill(*found, CurrentPins(), *out->mutable_image());
        if (in.verbose()) {
          ASSIGN_OR_RETURN(const std::string config, images_.Config(found->id));
          const auto spec = nlohmann::json::parse(config, nullptr, /*allow_exceptions=*/false);
          nlohmann::json labels = nlohmann::json::object();
          if (spec.is_object() && spec.contains("config") && spec["config"].is_object() &&
              spec["config"].contains("Labels") && spec["config"]["Labels"].is_object()) {
            labels = spec["config"]["Labels"];
          }
          (*out->mutable_info())["info"] =
              nlohmann::json{{"labels", labels}, {"imageSpec", spec}}.dump();
        }
        return absl::OkStatus();
      });
}

grpc::Status ImageService::PullImage(grpc::ServerContext*, const v1::PullImageRequest* request,
                                     v1::PullImageResponse* response) {
  const grpc::Status pulled = edge_.Serve(
      "PullImage", *request, response,
      [this](const v1::PullImageRequest& in, v1::PullImageResponse* out) {
        RETURN_IF_ERROR(NeedImage(in.image()));
        const v1::AuthConfig& auth = in.auth();
        ASSIGN_OR_RETURN(const image::Credentials credentials,
                         image::FromAuthConfig(auth.username(), auth.password(), auth.auth(),
                                               auth.identity_token(), auth.registry_token()));
        ASSIGN_OR_RETURN(const std::string id,
                         images_.Pull(in.image().image(), credentials,
                                      in.sandbox_config().metadata().namespace_()));
        out->set_image_ref(id);
        return absl::OkStatus();
      });
  if (after_pull_) after_pull_(request->image().image(), pulled);
  return pulled;
}

// Removing the image's last name, or the image by ID, would delete it: not while a
// container uses it. Untagging one of several names is fine.
absl::Status ImageService::RefuseIfInUse(const std::string& reference) {
  if (!user_of_) return absl::OkStatus();
  ASSIGN_OR_RETURN(const auto found, images_.Find(reference));
  if (!found) return absl::OkStatus();
  const bool deletes = found->repo_tags.size() <= 1 || found->id.starts_with(reference) ||
                       reference.starts_with("sha256:");
  const std::optional<std::string> user = user_of_(found->id);
  if (deletes && user) {
    return absl::FailedPreconditionError(fmt::format(
        "image {} is in use by container {}; remove the container first", reference, *user));
  }
  return absl::OkStatus();
}

grpc::Status ImageService::RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* request,
                                       v1::RemoveImageResponse* response) {
  return edge_.Serve("RemoveImage", *request, response,
                     [this](const v1::RemoveImageRequest& in, v1::RemoveImageResponse*) {
                       RETURN_IF_ERROR(NeedImage(in.image()));
                       RETURN_IF_ERROR(RefuseIfInUse(in.image().image()));
                       return images_.Remove(in.image().image());
                     });
}

grpc::Status ImageService::ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest* request,
                                       v1::ImageFsInfoResponse* response) {
  return edge_.Serve("ImageFsInfo", *request, response,
                     [this](const v1::ImageFsInfoRequest&, v1::ImageFsInfoResponse* out) {
                       // As CRI-O: the images' metadata dir for both, unless a split
                       // image store keeps the images apart from the containers.
                       const auto config = config_.Snapshot();
                       const std::string& root = config->root.root;
                       const bool split = !config->root.imagestore.empty();
                       const std::string images =
                           (split ? config->root.imagestore : root) + "/overlay-images";
                       const std::string containers =
                           split ? root + "/overlay-containers" : images;
                       const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count();
                       AddUsage(images, now, *out->mutable_image_filesystems());
                       AddUsage(containers, now, *out->mutable_container_filesystems());
                       return absl::OkStatus();
                     });
}

}  // namespace crio::server
