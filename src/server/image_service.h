// ImageService: the CRI v1 ImageService served over gRPC.
//
// ImageFsInfo reports the usage of the image and container metadata dirs under the storage
// root (CRI-O's <root>/overlay-images and <root>/overlay-containers): the kubelet calls it
// to validate the connection and for image garbage collection. The other rpcs answer
// UNIMPLEMENTED naming the images feature until image pulling and the layer store land.
// All calls pass through the RpcEdge. Thread-safe.
#pragma once

#include "config/live_config.h"
#include "cri_api.h"
#include "server/edge.h"

namespace crio::server {

namespace v1 = runtime::v1;

class ImageService final : public v1::ImageService::Service {
 public:
  ImageService(RpcEdge& edge, const config::LiveConfig& config) : edge_(edge), config_(config) {}

  grpc::Status ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest* request,
                           v1::ImageFsInfoResponse* response) override;

  grpc::Status ListImages(grpc::ServerContext*, const v1::ListImagesRequest*,
                          v1::ListImagesResponse*) override {
    return edge_.Unimplemented("ListImages", "images");
  }
  grpc::Status StreamImages(grpc::ServerContext*, const v1::StreamImagesRequest*,
                            grpc::ServerWriter<v1::StreamImagesResponse>*) override {
    return edge_.Unimplemented("StreamImages", "images");
  }
  grpc::Status ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest*,
                           v1::ImageStatusResponse*) override {
    return edge_.Unimplemented("ImageStatus", "images");
  }
  grpc::Status PullImage(grpc::ServerContext*, const v1::PullImageRequest*,
                         v1::PullImageResponse*) override {
    return edge_.Unimplemented("PullImage", "images");
  }
  grpc::Status RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest*,
                           v1::RemoveImageResponse*) override {
    return edge_.Unimplemented("RemoveImage", "images");
  }

 private:
  RpcEdge& edge_;
  const config::LiveConfig& config_;
};

}  // namespace crio::server
