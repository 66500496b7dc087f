#include "storage/image_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base64.h"
#include "common/read_file.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Id(std::string_view seed) { return Sha256Digest(seed).substr(7); }

json ReadJson(const std::string& path) {
  auto content = ReadFileToString(path);
  return content.ok() ? json::parse(*content) : json();
}

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ImageStore::Open(root());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::string root() const { return dir_.Join("root"); }

  // Stages and commits a layer holding one file.
  LayerRecord AddLayer(const std::string& seed, const std::string& parent = "") {
    const LayerRecord layer{.id = Id(seed),
                            .parent = parent,
                            .diff_digest = Sha256Digest(seed),
                            .diff_size = 2048,
                            .compressed_digest = Sha256Digest("gz" + seed),
                            .compressed_size = 100,
                            .uids = {0, 33},
                            .gids = {0},
                            .tar_split = "split of " + seed};
    auto staging = store_->NewLayerStaging(layer.id);
    EXPECT_TRUE(staging.ok()) << staging.status();
    std::ofstream(*staging + "/file") << seed;
    const absl::Status committed = store_->CommitLayer(layer, *staging);
    EXPECT_TRUE(committed.ok()) << committed;
    return layer;
  }

  ImageRecord Image(const std::string& seed, std::vector<std::string> tags,
                    std::vector<std::string> layers) {
    // The repo digest in the repository of the first tag, as a pull by tag gives.
    const std::string repository = tags.empty() ? "quay.io/app" : tags[0].substr(0, tags[0].rfind(':'));
    return ImageRecord{.id = Id(seed),
                       .repo_tags = std::move(tags),
                       .repo_digests = {repository + "@" + Sha256Digest("m" + seed)},
                       .layers = std::move(layers),
                       .manifest_digest = Sha256Digest("m" + seed)};
  }

  void Put(const ImageRecord& image) {
    const absl::Status put = store_->PutImage(
        image, R"({"config":{"User":"1000"}})", {{image.manifest_digest, "{\"m\":1}"}});
    ASSERT_TRUE(put.ok()) << put;
  }

  testing::TempDir dir_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(ImageStoreTest, LayersTakeTheOverlayDriversLayout) {
  const LayerRecord base = AddLayer("a");
  const LayerRecord top = AddLayer("b", base.id);
  EXPECT_TRUE(*store_->HasLayer(top.id));
  EXPECT_TRUE(fs::exists(store_->LayerDir(top.id) + "/file"));
  const std::string base_link = *ReadFileToString(root() + "/overlay/" + base.id + "/link");
  ASSERT_EQ(base_link.size(), 26u);
  EXPECT_EQ(fs::read_symlink(root() + "/overlay/l/" + base_link), "../" + base.id + "/diff");
  EXPECT_TRUE(fs::is_directory(root() + "/overlay/" + base.id + "/empty"));
  EXPECT_EQ(*ReadFileToString(root() + "/overlay/" + top.id + "/lower"), "l/" + base_link);
  EXPECT_EQ(*ReadFileToString(root() + "/overlay-layers/" + top.id + ".tar-split.gz"),
            "split of b");

  const json layers = ReadJson(root() + "/overlay-layers/layers.json");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[1]["id"], top.id);
  EXPECT_EQ(layers[1]["parent"], base.id);
  EXPECT_EQ(layers[1]["diff-digest"], top.diff_digest);
  EXPECT_EQ(layers[1]["compressed-diff-digest"], top.compressed_digest);
  EXPECT_EQ(layers[1]["compression"], 2);
  EXPECT_EQ(layers[1]["uidset"], json::array({0, 33}));
  EXPECT_FALSE(layers[1].contains("flags")) << "the incomplete flag is cleared";
  EXPECT_EQ(fs::file_size(root() + "/overlay-layers/layers.lock"), 64u) << "touched";
}

TEST_F(ImageStoreTest, StateIsRootsAlone) {
  const LayerRecord layer = AddLayer("a");
  Put(Image("img", {"quay.io/app:1"}, {layer.id}));
  auto mode = [](const std::string& path) { return fs::status(path).permissions() & fs::perms::all; };
  EXPECT_EQ(mode(root()), fs::perms::owner_all);
  EXPECT_EQ(mode(root() + "/overlay-layers/layers.json"), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(mode(root() + "/overlay-images/images.json"), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(mode(root() + "/overlay-images/" + Id("img")), fs::perms::owner_all);
  EXPECT_EQ(mode(root() + "/overlay-images/" + Id("img") + "/manifest"),
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(ImageStoreTest, ALayerStoredTwiceKeepsTheFirstCopy) {
  const LayerRecord layer = AddLayer("a");
  auto staging = store_->NewLayerStaging(layer.id);
  ASSERT_TRUE(staging.ok());
  ASSERT_TRUE(store_->CommitLayer(layer, *staging).ok());
  EXPECT_FALSE(fs::exists(*staging));
  EXPECT_EQ(ReadJson(root() + "/overlay-layers/layers.json").size(), 1u);
}

TEST_F(ImageStoreTest, ALayerNeedsItsParent) {
  auto staging = store_->NewLayerStaging(Id("b"));
  ASSERT_TRUE(staging.ok());
  const absl::Status committed =
      store_->CommitLayer({.id = Id("b"), .parent = Id("missing")}, *staging);
  EXPECT_EQ(committed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(root() + "/overlay/" + Id("b")));
}

TEST_F(ImageStoreTest, ImagesAreRecordedAsContainersStorageRecordsThem) {
  const LayerRecord layer = AddLayer("a");
  ImageRecord image = Image("img", {"quay.io/app:1"}, {layer.id});
  Put(image);
  const json images = ReadJson(root() + "/overlay-images/images.json");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0]["id"], image.id);
  EXPECT_EQ(images[0]["digest"], image.manifest_digest);
  EXPECT_EQ(images[0]["names"], json::array({"quay.io/app:1"}));
  EXPECT_EQ(images[0]["layer"], layer.id);
  const std::string dir = root() + "/overlay-images/" + image.id;
  EXPECT_EQ(*ReadFileToString(dir + "/manifest"), "{\"m\":1}");
  // Keys that are not plain lower case are stored under "=" and their base64.
  EXPECT_TRUE(fs::exists(dir + "/=" + Base64Encode("sha256:" + image.id)));
  EXPECT_EQ(images[0]["big-data-sizes"]["sha256:" + image.id], 26);
  EXPECT_EQ(images[0]["big-data-digests"]["manifest"], Sha256Digest("{\"m\":1}"));

  auto found = store_->Find("quay.io/app:1");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->id, image.id);
  EXPECT_EQ((*found)->layers, std::vector<std::string>{layer.id});
  EXPECT_EQ((*found)->user, "1000");
  EXPECT_EQ((*found)->repo_digests,
            std::vector<std::string>{"quay.io/app@" + image.manifest_digest});
  // The digest as a name of its own is not stored: the tag's repository gives it.
  EXPECT_EQ(images[0]["names"], json::array({"quay.io/app:1"}));
  EXPECT_EQ((*found)->size, 2048 + 26 + 2 * 7) << "the tar, the config, the manifest twice";
  EXPECT_TRUE(store_->Find("quay.io/app@" + image.manifest_digest)->has_value());
  EXPECT_TRUE(store_->Find("sha256:" + image.id)->has_value());
  EXPECT_TRUE(store_->Find(image.id.substr(0, 5))->has_value());
  EXPECT_EQ(*store_->ReadConfig(image.id), R"({"config":{"User":"1000"}})");
}

TEST_F(ImageStoreTest, AnImagePulledByDigestOnlyKeepsItsDigestedName) {
  const LayerRecord layer = AddLayer("a");
  Put(Image("img", {}, {layer.id}));
  const json images = ReadJson(root() + "/overlay-images/images.json");
  EXPECT_EQ(images[0]["names"], json::array({"quay.io/app@" + Sha256Digest("mimg")}));
  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ((*listed)->size(), 1u);
  EXPECT_TRUE((**listed)[0].repo_tags.empty());
  EXPECT_EQ((**listed)[0].repo_digests.size(), 1u);
}

TEST_F(ImageStoreTest, ANameMovesToTheNewestImage) {
  const LayerRecord layer = AddLayer("a");
  Put(Image("old", {"quay.io/app:1", "quay.io/app:old"}, {layer.id}));
  Put(Image("new", {"quay.io/app:1"}, {layer.id}));
  EXPECT_EQ((*store_->Find("quay.io/app:1"))->id, Id("new"));
  EXPECT_EQ((*store_->Find("quay.io/app:old"))->id, Id("old"));
}

TEST_F(ImageStoreTest, TheLastNameTakesTheImageAndTheLayersOnlyItUsed) {
  const LayerRecord shared = AddLayer("shared");
  const LayerRecord own = AddLayer("own", shared.id);
  Put(Image("a", {"quay.io/a:1", "quay.io/a:2"}, {shared.id, own.id}));
  Put(Image("b", {"quay.io/b:1"}, {shared.id}));
  EXPECT_FALSE(*store_->RemoveName("quay.io/a:1"));
  EXPECT_TRUE(*store_->RemoveName("quay.io/a:2"));
  EXPECT_FALSE(store_->Find(Id("a"))->has_value());
  EXPECT_FALSE(fs::exists(root() + "/overlay-images/" + Id("a")));
  EXPECT_FALSE(*store_->HasLayer(own.id));
  EXPECT_FALSE(fs::exists(root() + "/overlay/" + own.id));
  EXPECT_TRUE(*store_->HasLayer(shared.id)) << "image b still uses it";
  EXPECT_EQ(store_->RemoveName("quay.io/a:2").status().code(), absl::StatusCode::kNotFound);
  // The layers' short links go with them.
  size_t links = 0;
  for (const auto& link : fs::directory_iterator(root() + "/overlay/l")) links += !link.path().empty();
  EXPECT_EQ(links, 1u);
}

TEST_F(ImageStoreTest, AnImageAContainerUsesStays) {
  const LayerRecord layer = AddLayer("a");
  const ImageRecord image = Image("a", {"quay.io/a:1"}, {layer.id});
  Put(image);
  std::ofstream(root() + "/overlay-containers/containers.json")
      << json::array({{{"id", Id("podman-ctr")}, {"image", image.id}}}).dump();
  const absl::Status removed = store_->RemoveImage(image.id);
  EXPECT_EQ(removed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(removed.message().find(Id("podman-ctr")), std::string::npos);
  EXPECT_TRUE(store_->Find(image.id)->has_value());
  EXPECT_TRUE(*store_->HasLayer(layer.id));
}

TEST_F(ImageStoreTest, AnotherWritersChangesAreSeen) {
  const LayerRecord layer = AddLayer("a");
  ASSERT_TRUE((*store_->List())->empty());
  auto other = ImageStore::Open(root());  // as podman would, through the same files
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->PutImage(Image("x", {"quay.io/x:1"}, {layer.id}), "{}",
                                 {{Sha256Digest("mx"), "{}"}})
                  .ok());
  EXPECT_EQ((*store_->List())->size(), 1u);
}

TEST_F(ImageStoreTest, FieldsAndRecordsOfOtherToolsAreKept) {
  const LayerRecord layer = AddLayer("a");
  json layers = ReadJson(root() + "/overlay-layers/layers.json");
  layers[0]["podman-only"] = {{"x", 1}};
  layers.push_back({{"id", Id("theirs")}, {"diff-digest", "sha256:0"}});
  std::ofstream(root() + "/overlay-layers/layers.json") << layers.dump();
  // Whoever wrote it touched the lock file.
  std::ofstream(root() + "/overlay-layers/layers.lock") << std::string(64, 'p');
  AddLayer("b");
  layers = ReadJson(root() + "/overlay-layers/layers.json");
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0]["podman-only"]["x"], 1);
  EXPECT_EQ(layers[1]["id"], Id("theirs"));
}

TEST_F(ImageStoreTest, ReconcileRemovesIncompleteLayersAndStagingOnly) {
  const LayerRecord kept = AddLayer("kept");
  const LayerRecord dead = AddLayer("dead");
  json layers = ReadJson(root() + "/overlay-layers/layers.json");
  layers[1]["flags"] = {{"incomplete", true}};
  std::ofstream(root() + "/overlay-layers/layers.json") << layers.dump();
  std::ofstream(root() + "/overlay-layers/layers.lock") << std::string(64, 'k');
  ASSERT_TRUE(store_->NewLayerStaging(Id("c")).ok());

  ASSERT_TRUE(store_->Reconcile().ok());
  EXPECT_TRUE(*store_->HasLayer(kept.id));
  EXPECT_FALSE(*store_->HasLayer(dead.id));
  EXPECT_FALSE(fs::exists(root() + "/overlay/" + dead.id));
  EXPECT_FALSE(fs::exists(root() + "/overlay-layers/" + dead.id + ".tar-split.gz"));
  EXPECT_TRUE(fs::is_empty(root() + "/overlay/crio-staging"));
  EXPECT_EQ(ReadJson(root() + "/overlay-layers/layers.json").size(), 1u);
}

}  // namespace
}  // namespace crio::storage
