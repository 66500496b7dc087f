#include "storage/image_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "gtest/gtest.h"
#include "state/database.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

std::string Id(std::string_view seed) { return Sha256Digest(seed).substr(7); }

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ImageStore::Open(dir_.Join("root"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Stages and commits a layer holding one file.
  LayerRecord AddLayer(const std::string& seed) {
    const LayerRecord layer{
        .chain_id = Sha256Digest(seed), .diff_id = Sha256Digest(seed), .parent = "", .size = 5};
    auto staging = store_->NewLayerStaging(layer.chain_id);
    EXPECT_TRUE(staging.ok());
    std::ofstream(*staging + "/file") << seed;
    EXPECT_TRUE(store_->CommitLayer(layer, *staging).ok());
    return layer;
  }

  ImageRecord Image(const std::string& seed, std::vector<std::string> tags,
                    std::vector<std::string> layers) {
    return ImageRecord{.id = Id(seed),
                       .repo_tags = std::move(tags),
                       .repo_digests = {"quay.io/app@" + Sha256Digest("m" + seed)},
                       .layers = std::move(layers),
                       .size = 100,
                       .manifest_digest = Sha256Digest("m" + seed),
                       .user = "1000",
                       .pulled_at = 1700000000};
  }

  testing::TempDir dir_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(ImageStoreTest, LayersAreCommittedOnceAndFoundByChainId) {
  const LayerRecord layer = AddLayer("a");
  EXPECT_TRUE(*store_->HasLayer(layer.chain_id));
  EXPECT_TRUE(fs::exists(store_->LayerDir(layer.chain_id) + "/file"));
  // A second pull of the same layer keeps the first copy and drops its staging dir.
  auto staging = store_->NewLayerStaging(layer.chain_id);
  ASSERT_TRUE(store_->CommitLayer(layer, *staging).ok());
  EXPECT_FALSE(fs::exists(fs::path(*staging).parent_path()));
  EXPECT_FALSE(*store_->HasLayer(Sha256Digest("other")));
}

TEST_F(ImageStoreTest, ImagesAreFoundByIdPrefixTagAndDigest) {
  const LayerRecord a = AddLayer("a"), b = AddLayer("b");
  const ImageRecord image = Image("one", {"quay.io/app:1"}, {a.chain_id, b.chain_id});
  ASSERT_TRUE(store_->PutImage(image, R"({"config":{}})", "{}").ok());
  for (const std::string& key : {image.id, "sha256:" + image.id, image.id.substr(0, 12),
                                 std::string("quay.io/app:1"), image.repo_digests[0]}) {
    auto found = store_->Find(key);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_TRUE(found->has_value()) << key;
    EXPECT_EQ((*found)->id, image.id);
    EXPECT_EQ((*found)->layers, image.layers);
    EXPECT_EQ((*found)->repo_tags, image.repo_tags);
    EXPECT_EQ((*found)->user, "1000");
  }
  EXPECT_FALSE(store_->Find("quay.io/app:2")->has_value());
  EXPECT_FALSE(store_->Find("zz")->has_value());
  EXPECT_EQ(*store_->ReadConfig(image.id), R"({"config":{}})");
}

TEST_F(ImageStoreTest, ATagMovesToTheNewerImage) {
  const LayerRecord a = AddLayer("a");
  ASSERT_TRUE(
      store_->PutImage(Image("old", {"quay.io/app:latest"}, {a.chain_id}), "{}", "{}").ok());
  ASSERT_TRUE(
      store_->PutImage(Image("new", {"quay.io/app:latest"}, {a.chain_id}), "{}", "{}").ok());
  EXPECT_EQ((*store_->Find("quay.io/app:latest"))->id, Id("new"));
  auto old = store_->Find(Id("old"));
  ASSERT_TRUE(old->has_value());
  EXPECT_TRUE((*old)->repo_tags.empty());
  EXPECT_EQ(store_->List()->size(), 2u);
}

TEST_F(ImageStoreTest, RemovingTheLastNameRemovesTheImageAndUnsharedLayers) {
  const LayerRecord shared = AddLayer("shared"), own = AddLayer("own");
  ASSERT_TRUE(
      store_
          ->PutImage(Image("x", {"quay.io/x:1", "quay.io/x:2"}, {shared.chain_id, own.chain_id}),
                     "{}", "{}")
          .ok());
  ASSERT_TRUE(store_->PutImage(Image("y", {"quay.io/y:1"}, {shared.chain_id}), "{}", "{}").ok());

  EXPECT_FALSE(*store_->RemoveName("quay.io/x:1"));  // x still has names
  ASSERT_TRUE(store_->RemoveImage(Id("x")).ok());
  EXPECT_FALSE(store_->Find(Id("x"))->has_value());
  EXPECT_FALSE(fs::exists(store_->LayerDir(own.chain_id)));
  EXPECT_TRUE(fs::exists(store_->LayerDir(shared.chain_id)));
  EXPECT_FALSE(fs::exists(dir_.Join("root/overlay-images/" + Id("x"))));

  // y has one tag (and a repo digest): removing the tag removes the image.
  EXPECT_TRUE(*store_->RemoveName("quay.io/y:1"));
  EXPECT_FALSE(fs::exists(store_->LayerDir(shared.chain_id)));
  EXPECT_TRUE(store_->List()->empty());
  EXPECT_EQ(store_->RemoveName("quay.io/none:1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImageStoreTest, ImagesNeedCommittedLayers) {
  EXPECT_FALSE(
      store_->PutImage(Image("z", {"quay.io/z:1"}, {Sha256Digest("missing")}), "{}", "{}").ok());
  EXPECT_FALSE(store_->Find("quay.io/z:1")->has_value());
}

TEST_F(ImageStoreTest, ReconcileUndoesUnfinishedIntentsOnly) {
  const LayerRecord kept = AddLayer("kept");
  ASSERT_TRUE(store_->PutImage(Image("p", {"quay.io/p:1"}, {kept.chain_id}), "{}", "{}").ok());
  auto staging = store_->NewLayerStaging(Sha256Digest("interrupted"));
  ASSERT_TRUE(staging.ok());
  // A removal that crashed after its commit: the intent is recorded, the files are still there.
  const std::string half_removed = dir_.Join("root/overlay-images/" + Id("removed"));
  fs::create_directories(half_removed);
  // Files crio never recorded (another tool's, or an operator's) are never touched.
  const std::string unrecorded = dir_.Join("root/overlay/" + Id("unrecorded") + "/diff");
  fs::create_directories(unrecorded);
  store_.reset();
  {
    auto db = state::Database::Open(dir_.Join("root/images.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO intents VALUES ('" + half_removed + "')").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO intents VALUES ('" +
                            dir_.Join("root/overlay/" + kept.chain_id.substr(7)) + "')")
                    .ok());
  }
  auto reopened = ImageStore::Open(dir_.Join("root"));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_TRUE((*reopened)->Reconcile().ok());
  EXPECT_FALSE(fs::exists(fs::path(*staging).parent_path()));
  EXPECT_FALSE(fs::exists(half_removed));
  EXPECT_TRUE(fs::exists(unrecorded));
  EXPECT_TRUE(fs::exists((*reopened)->LayerDir(kept.chain_id)));  // its intent was finished
  EXPECT_TRUE((*reopened)->Find("quay.io/p:1")->has_value());
}

TEST_F(ImageStoreTest, ADiscardedStagingDirLeavesNothing) {
  auto staging = store_->NewLayerStaging(Sha256Digest("failed"));
  ASSERT_TRUE(staging.ok());
  std::ofstream(*staging + "/partial") << "x";
  ASSERT_TRUE(store_->DiscardLayerStaging(*staging).ok());
  EXPECT_FALSE(fs::exists(fs::path(*staging).parent_path()));
}

TEST_F(ImageStoreTest, StateIsRootsAlone) {
  struct stat info {};
  ASSERT_EQ(::stat(dir_.Join("root").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(dir_.Join("root/images.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ImageStoreTest, SurvivesReopening) {
  const LayerRecord a = AddLayer("a");
  ASSERT_TRUE(store_->PutImage(Image("p", {"quay.io/p:1"}, {a.chain_id}), "{}", "{}").ok());
  store_.reset();
  auto reopened = ImageStore::Open(dir_.Join("root"));
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->Find("quay.io/p:1")->has_value());
}

}  // namespace
}  // namespace crio::storage
