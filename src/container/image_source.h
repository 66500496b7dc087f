// ImageSource: what containers need of the image side: find a stored image by any name
// the client may use, read its config, pull one that is missing (the pause image).
// ImagesSource adapts image::Images; tests use a fake over an ImageStore.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "image/auth.h"
#include "image/images.h"
#include "storage/image_store.h"

namespace crio::container {

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual absl::StatusOr<std::optional<storage::ImageRecord>> Find(const std::string& name) = 0;
  virtual absl::StatusOr<std::string> Config(const std::string& image_id) = 0;
  virtual absl::Status Pull(const std::string& name, const image::Credentials& credentials) = 0;
};

class ImagesSource final : public ImageSource {
 public:
  explicit ImagesSource(image::Images& images) : images_(images) {}
  absl::StatusOr<std::optional<storage::ImageRecord>> Find(const std::string& name) override {
    return images_.Find(name);
  }
  absl::StatusOr<std::string> Config(const std::string& image_id) override {
    return images_.Config(image_id);
  }
  absl::Status Pull(const std::string& name, const image::Credentials& credentials) override {
    return images_.Pull(name, credentials).status();
  }

 private:
  image::Images& images_;
};

}  // namespace crio::container
