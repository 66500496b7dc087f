#include "server/image_service.h"

#include <map>

#include "common/sha256.h"
#include "gtest/gtest.h"
#include "image/auth.h"
#include "nlohmann/json.hpp"
#include "testing/fake_http_transport.h"
#include "testing/temp_dir.h"

namespace crio::server {
namespace {

// The image service over a real store in a temp dir and a registry that has nothing.
class ImageServiceTest : public ::testing::Test {
 protected:
  ImageServiceTest() {
    edge_.SetReady();
    config::Config config;
    config.root.root = dir_.Join("root");
    config.image.pinned_images = {"quay.io/pinned*"};
    config_ = std::make_unique<config::LiveConfig>(config);
    store_ = std::move(*storage::ImageStore::Open(config.root.root));
    puller_ =
        std::make_unique<image::Puller>(client_, *store_, registries_, policy_, auth_file_,
                                        image::PullerOptions{.platform = image::HostPlatform()});
    images_ = std::make_unique<image::Images>(*puller_, *store_, registries_);
    service_ = std::make_unique<ImageService>(edge_, *config_, *images_);
  }

  void AddImage(const std::string& seed, std::vector<std::string> tags, const std::string& user) {
    const storage::LayerRecord layer{.id = Sha256Digest(seed).substr(7),
                                     .diff_digest = Sha256Digest(seed),
                                     .diff_size = 42};
    ASSERT_TRUE(store_->CommitLayer(layer, *store_->NewLayerStaging(layer.id)).ok());
    const storage::ImageRecord record{.id = Sha256Digest("id" + seed).substr(7),
                                      .repo_tags = std::move(tags),
                                      .repo_digests = {},
                                      .layers = {layer.id},
                                      .size = 42,
                                      .manifest_digest = Sha256Digest(seed),
                                      .user = user,
                                      .pulled_at = 0};
    const nlohmann::json config = {{"config", {{"User", user}, {"Labels", {{"a", "b"}}}}},
                                   {"rootfs", nlohmann::json::object()}};
    config_sizes_[record.id] = config.dump().size();
    ASSERT_TRUE(store_->PutImage(record, config.dump(), {{record.manifest_digest, "{}"}}).ok());
  }

  std::map<std::string, size_t> config_sizes_;
  testing::TempDir dir_;
  RpcEdge edge_;
  std::unique_ptr<config::LiveConfig> config_;
  testing::FakeTransport http_;
  image::RegistryClient client_{http_, ""};
  std::unique_ptr<storage::ImageStore> store_;
  image::LiveRegistries registries_{image::Registries()};
  image::Policy policy_ = image::Policy::AcceptAnything();
  image::AuthFile auth_file_;
  std::unique_ptr<image::Puller> puller_;
  std::unique_ptr<image::Images> images_;
  std::unique_ptr<ImageService> service_;
};

TEST_F(ImageServiceTest, ListAndStatusDescribeStoredImages) {
  AddImage("a", {"quay.io/pinned/app:1"}, "1000:1000");
  AddImage("b", {"quay.io/other:2"}, "www-data");
  v1::ListImagesResponse list;
  ASSERT_TRUE(
      service_->ListImages(nullptr, &v1::ListImagesRequest::default_instance(), &list).ok());
  ASSERT_EQ(list.images_size(), 2);
  for (const v1::Image& image : list.images()) {
    if (image.repo_tags(0) == "quay.io/pinned/app:1") {
      EXPECT_TRUE(image.pinned());
      EXPECT_EQ(image.uid().value(), 1000);
    } else {
      EXPECT_FALSE(image.pinned());
      EXPECT_FALSE(image.has_uid());
      EXPECT_EQ(image.username(), "www-data");
    }
    // The layer's tar, the config and the manifest (stored twice, by key and by digest).
    EXPECT_EQ(image.size(), 42u + config_sizes_[image.id()] + 2 * 2);
  }

  v1::ImageStatusRequest request;
  request.mutable_image()->set_image("quay.io/other:2");
  request.set_verbose(true);
  v1::ImageStatusResponse status;
  ASSERT_TRUE(service_->ImageStatus(nullptr, &request, &status).ok());
  EXPECT_EQ(status.image().repo_tags(0), "quay.io/other:2");
  const auto info = nlohmann::json::parse(status.info().at("info"));
  EXPECT_EQ(info["labels"]["a"], "b");
  EXPECT_TRUE(info["imageSpec"].contains("rootfs"));
}

// The listing is kept between calls: it must follow every change of the store (crio's own,
// another tool's) and of the pinned images (a reload).
TEST_F(ImageServiceTest, AKeptListingFollowsTheStoreAndTheConfiguration) {
  auto list = [&](const std::string& filter = "") {
    v1::ListImagesRequest request;
    if (!filter.empty()) request.mutable_filter()->mutable_image()->set_image(filter);
    v1::ListImagesResponse response;
    EXPECT_TRUE(service_->ListImages(nullptr, &request, &response).ok());
    std::map<std::string, bool> pinned_by_tag;
    for (const v1::Image& image : response.images()) {
      pinned_by_tag[image.repo_tags(0)] = image.pinned();
    }
    return pinned_by_tag;
  };
  using Listed = std::map<std::string, bool>;
  AddImage("a", {"quay.io/app:1"}, "");
  EXPECT_EQ(list(), (Listed{{"quay.io/app:1", false}}));
  AddImage("b", {"quay.io/app:2"}, "");
  EXPECT_EQ(list(), (Listed{{"quay.io/app:1", false}, {"quay.io/app:2", false}}));
  EXPECT_EQ(list("quay.io/app:2"), (Listed{{"quay.io/app:2", false}}));
  const std::string id_of_b = Sha256Digest("idb").substr(7);
  EXPECT_EQ(list("@" + id_of_b), (Listed{{"quay.io/app:2", false}}));  // crictl images @ID
  EXPECT_EQ(list("@" + id_of_b.substr(0, 12)), (Listed{{"quay.io/app:2", false}}));
  EXPECT_EQ(list("@quay.io/app:2"), Listed{});

  {  // another tool, through the same files
    auto other = storage::ImageStore::Open(dir_.Join("root"));
    ASSERT_TRUE(other.ok()) << other.status();
    ASSERT_TRUE((*other)->RemoveName("quay.io/app:1").ok());
  }
  EXPECT_EQ(list(), (Listed{{"quay.io/app:2", false}}));

  config::Config reloaded = *config_->Snapshot();
  reloaded.image.pinned_images = {"quay.io/app*"};
  config_->Reload(reloaded);
  EXPECT_EQ(list(), (Listed{{"quay.io/app:2", true}}));
}

TEST_F(ImageServiceTest, UnknownImageStatusIsEmptyAndRemoveIsIdempotent) {
  v1::ImageStatusRequest request;
  request.mutable_image()->set_image("quay.io/none:1");
  v1::ImageStatusResponse status;
  ASSERT_TRUE(service_->ImageStatus(nullptr, &request, &status).ok());
  EXPECT_FALSE(status.has_image());
  v1::RemoveImageRequest remove;
  remove.mutable_image()->set_image("quay.io/none:1");
  v1::RemoveImageResponse removed;
  EXPECT_TRUE(service_->RemoveImage(nullptr, &remove, &removed).ok());
  remove.mutable_image()->set_image("");
  EXPECT_EQ(service_->RemoveImage(nullptr, &remove, &removed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ImageServiceTest, ImagesInUseAreNotDeleted) {
  AddImage("a", {"docker.io/library/one:1", "docker.io/library/one:2"}, "");
  const std::string id = Sha256Digest("ida").substr(7);
  ImageService guarded(edge_, *config_, *images_, [&](const std::string& image_id) {
    return image_id == id ? std::optional<std::string>("c0ffee") : std::nullopt;
  });
  v1::RemoveImageRequest remove;
  v1::RemoveImageResponse removed;
  remove.mutable_image()->set_image("docker.io/library/one:1");
  EXPECT_TRUE(guarded.RemoveImage(nullptr, &remove, &removed).ok());  // only untags
  remove.mutable_image()->set_image("docker.io/library/one:2");       // the last name
  grpc::Status status = guarded.RemoveImage(nullptr, &remove, &removed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("in use by container c0ffee"), std::string::npos);
  remove.mutable_image()->set_image(id);
  EXPECT_EQ(guarded.RemoveImage(nullptr, &remove, &removed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(store_->Find(id)->has_value());
}

TEST_F(ImageServiceTest, PullErrorsReachTheClient) {
  v1::PullImageRequest request;
  v1::PullImageResponse response;
  EXPECT_EQ(service_->PullImage(nullptr, &request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.mutable_image()->set_image("reg.example/missing:1");
  EXPECT_EQ(service_->PullImage(nullptr, &request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.mutable_auth()->set_auth("not base64!");
  EXPECT_EQ(service_->PullImage(nullptr, &request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ImageServiceTest, EveryPullEndsWithTheAfterPullHook) {
  std::vector<std::string> failed;
  ImageService hooked(edge_, *config_, *images_, nullptr,
                      [&failed](const std::string& image, const grpc::Status& status) {
                        if (!status.ok()) failed.push_back(image);
                      });
  v1::PullImageRequest request;
  v1::PullImageResponse response;
  hooked.PullImage(nullptr, &request, &response);  // invalid
  request.mutable_image()->set_image("reg.example/missing:1");
  hooked.PullImage(nullptr, &request, &response);  // not found
  // Both failed, both reported, with the image asked for.
  EXPECT_EQ(failed, (std::vector<std::string>{"", "reg.example/missing:1"}));
}

TEST_F(ImageServiceTest, ImageFsInfoReportsTheStorageMetadataDirs) {
  AddImage("a", {"quay.io/a:1"}, "");
  v1::ImageFsInfoResponse response;
  ASSERT_TRUE(
      service_->ImageFsInfo(nullptr, &v1::ImageFsInfoRequest::default_instance(), &response).ok());
  ASSERT_EQ(response.image_filesystems_size(), 1);
  EXPECT_EQ(response.image_filesystems(0).fs_id().mountpoint(), dir_.Join("root/overlay-images"));
  EXPECT_GT(response.image_filesystems(0).used_bytes().value(), 0u);
  EXPECT_GT(response.image_filesystems(0).inodes_used().value(), 0u);
  ASSERT_EQ(response.container_filesystems_size(), 1);
  EXPECT_EQ(response.container_filesystems(0).fs_id().mountpoint(),
            dir_.Join("root/overlay-images"));
}

TEST_F(ImageServiceTest, ImageFsInfoWithASplitImageStoreReportsImagesAndContainersApart) {
  config::Config split = *config_->Snapshot();
  split.root.imagestore = dir_.Join("images");
  config::LiveConfig split_config(split);
  ImageService service(edge_, split_config, *images_);
  v1::ImageFsInfoResponse response;
  ASSERT_TRUE(
      service.ImageFsInfo(nullptr, &v1::ImageFsInfoRequest::default_instance(), &response).ok());
  ASSERT_EQ(response.image_filesystems_size(), 1);
  EXPECT_EQ(response.image_filesystems(0).fs_id().mountpoint(), dir_.Join("images/overlay-images"));
  ASSERT_EQ(response.container_filesystems_size(), 1);
  EXPECT_EQ(response.container_filesystems(0).fs_id().mountpoint(),
            dir_.Join("root/overlay-containers"));
}

}  // namespace
}  // namespace crio::server
