#include "image/images.h"

#include "common/sha256.h"
#include "gtest/gtest.h"
#include "testing/fake_http_transport.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

class ImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*storage::ImageStore::Open(dir_.Join("root")));
    Registries registries;
    ASSERT_TRUE(registries.Apply("unqualified-search-registries = [\"docker.io\"]\n", "t").ok());
    registries_.Replace(registries);
    const storage::LayerRecord layer{.id = Sha256Digest("l").substr(7),
                                     .diff_digest = Sha256Digest("l")};
    ASSERT_TRUE(store_->CommitLayer(layer, *store_->NewLayerStaging(layer.id)).ok());
    busybox_ = {.id = Sha256Digest("busybox").substr(7),
                .repo_tags = {"docker.io/library/busybox:latest", "docker.io/library/busybox:1"},
                .repo_digests = {"docker.io/library/busybox@" + Sha256Digest("m")},
                .layers = {layer.id},
                .size = 10,
                .manifest_digest = Sha256Digest("m"),
                .user = "",
                .pulled_at = 0};
    ASSERT_TRUE(store_->PutImage(busybox_, "{}", {{Sha256Digest("m"), "{}"}}).ok());
  }

  testing::TempDir dir_;
  testing::FakeTransport http_;
  RegistryClient client_{http_, ""};
  std::unique_ptr<storage::ImageStore> store_;
  LiveRegistries registries_{Registries()};
  Policy policy_ = Policy::AcceptAnything();
  AuthFile auth_file_;
  Puller puller_{client_, *store_, registries_, policy_, auth_file_, {.platform = HostPlatform()}};
  storage::ImageRecord busybox_;
};

TEST_F(ImagesTest, FindsByShortNameQualifiedNameDigestAndId) {
  Images images(puller_, *store_, registries_);
  for (const std::string& reference :
       {std::string("busybox"), std::string("busybox:1"), std::string("docker.io/library/busybox"),
        std::string("docker.io/library/busybox:latest@") + Sha256Digest("m"), busybox_.id,
        busybox_.id.substr(0, 12), "sha256:" + busybox_.id}) {
    auto found = images.Find(reference);
    ASSERT_TRUE(found.ok()) << reference;
    ASSERT_TRUE(found->has_value()) << reference;
    EXPECT_EQ((*found)->id, busybox_.id);
  }
  EXPECT_FALSE(images.Find("busybox:2")->has_value());
  EXPECT_FALSE(images.Find("quay.io/busybox")->has_value());
}

TEST_F(ImagesTest, RemoveByNameUntagsAndByIdRemoves) {
  Images images(puller_, *store_, registries_);
  ASSERT_TRUE(images.Remove("busybox:1").ok());
  auto still = images.Find(busybox_.id);
  ASSERT_TRUE(still->has_value());
  EXPECT_EQ((*still)->repo_tags, (std::vector<std::string>{"docker.io/library/busybox:latest"}));
  ASSERT_TRUE(images.Remove(busybox_.id.substr(0, 12)).ok());
  EXPECT_FALSE(images.Find(busybox_.id)->has_value());
  EXPECT_TRUE(images.Remove("busybox").ok());  // unknown: nothing to do
  EXPECT_EQ(images.Remove("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(IsPinnedTest, PauseImageAndPatterns) {
  storage::ImageRecord pause{.repo_tags = {"registry.k8s.io/pause:3.10.1"}};
  storage::ImageRecord app{.repo_tags = {"quay.io/team/app:1"}};
  EXPECT_TRUE(IsPinned(pause, {}, "registry.k8s.io/pause:3.10.1"));
  EXPECT_FALSE(IsPinned(app, {}, "registry.k8s.io/pause:3.10.1"));
  EXPECT_TRUE(IsPinned(app, {"quay.io/team/app:1"}, ""));
  EXPECT_TRUE(IsPinned(app, {"quay.io/team/*"}, ""));
  EXPECT_TRUE(IsPinned(app, {"*team*"}, ""));
  EXPECT_FALSE(IsPinned(app, {"quay.io/other*", "*nothing*"}, ""));
}

}  // namespace
}  // namespace crio::image
