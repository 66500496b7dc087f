// ImageService: the CRI v1 ImageService served over gRPC.
//
// PullImage, ListImages/StreamImages, ImageStatus and RemoveImage translate between CRI
// messages and image::Images; ImageFsInfo reports the usage of the image and container
// metadata dirs under the storage root (CRI-O's <root>/overlay-images, and with a split
// image store <imagestore>/overlay-images and <root>/overlay-containers). All calls pass
// through the RpcEdge. Thread-safe.
//
// The kubelet lists the images every few seconds and they rarely change: ListImages keeps
// its answer, serialised, for as long as the image index and the configuration (pinned
// images) it came from are current, and the gRPC server sends those bytes as they are
// (a raw callback method), so an unchanged listing costs neither building nor encoding.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "config/live_config.h"
#include "cri_api.h"
#include "image/images.h"
#include "server/edge.h"

namespace crio::server {

namespace v1 = runtime::v1;

// Which container (if any) still uses an image, by image ID; RemoveImage refuses to delete
// an image in use.
using ImageUser = std::function<std::optional<std::string>(const std::string& image_id)>;

class ImageService final
    : public v1::ImageService::WithRawCallbackMethod_ListImages<v1::ImageService::Service> {
 public:
  // `after_pull` runs when a PullImage call ends, with the image asked for and the result
  // (crio counts it and gives back the memory the transfer and unpack code touched).
  using AfterPull = std::function<void(const std::string& image, const grpc::Status&)>;
  ImageService(RpcEdge& edge, const config::LiveConfig& config, image::Images& images,
               ImageUser user_of = nullptr, AfterPull after_pull = nullptr)
      : edge_(edge),
        config_(config),
        images_(images),
        user_of_(std::move(user_of)),
        after_pull_(std::move(after_pull)) {}

  // ListImages as the gRPC server calls it: request and answer as bytes.
  grpc::ServerUnaryReactor* ListImages(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  // ListImages with messages, for callers in this process.
  grpc::Status ListImages(grpc::ServerContext*, const v1::ListImagesRequest* request,
                          v1::ListImagesResponse* response) override;
  grpc::Status StreamImages(grpc::ServerContext*, const v1::StreamImagesRequest* request,
                            grpc::ServerWriter<v1::StreamImagesResponse>* writer) override;
  grpc::Status ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* request,
                           v1::ImageStatusResponse* response) override;
  grpc::Status PullImage(grpc::ServerContext*, const v1::PullImageRequest* request,
                         v1::PullImageResponse* response) override;
  grpc::Status RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* request,
                           v1::RemoveImageResponse* response) override;
  grpc::Status ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest* request,
                           v1::ImageFsInfoResponse* response) override;

 private:
  // A ListImages answer, and what it was made from.
  struct Listing {
    storage::ImageList images;
    std::shared_ptr<const config::Config> config;
    v1::ListImagesResponse response;
    grpc::ByteBuffer bytes;  // `response` serialised
  };
  // The answer to `request`: the kept one while it is current (for an unfiltered request).
  absl::StatusOr<std::shared_ptr<const Listing>> ListingFor(const v1::ListImagesRequest& request);
  // Serves ListImages through the edge; `listing` is the answer when OK.
  grpc::Status ServeListImages(const v1::ListImagesRequest& request,
                               std::shared_ptr<const Listing>& listing);

  // The images a filter selects: all, or the one its image spec names.
  absl::StatusOr<storage::ImageList> Select(const v1::ImageFilter& filter);
  // pinned_images and the pause image as the configuration has them now.
  image::Pins CurrentPins() const;
  // CRI's Image of `record`, all from memory.
  void Fill(const storage::ImageRecord& record, const image::Pins& pins, v1::Image& out) const;

  RpcEdge& edge_;
  const config::LiveConfig& config_;
  image::Images& images_;
  const ImageUser user_of_;
  const AfterPull after_pull_;
  absl::Mutex listing_mu_;
  std::shared_ptr<const Listing> listing_ ABSL_GUARDED_BY(listing_mu_);  // unfiltered

  absl::Status RefuseIfInUse(const std::string& reference);
};

}  // namespace crio::server
