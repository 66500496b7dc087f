#include "storage/container_layers.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/read_file.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/image_store.h"
#include "testing/detach_mounts.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Id(int n) { return fmt::format("{:04x}{:060x}", n, n); }

json ReadJson(const std::string& path) {
  auto content = ReadFileToString(path);
  return content.ok() ? json::parse(*content) : json();
}

// Every path under `dir` with its size and modification time.
std::map<std::string, std::string> TreeListing(const std::string& dir) {
  std::map<std::string, std::string> listing;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    struct stat info {};
    ::lstat(entry.path().c_str(), &info);
    listing[entry.path().string()] =
        fmt::format("{} {}.{}", info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
  }
  return listing;
}

TEST(OverlayDirsTest, DeepImagesStayUnderAPage) {
  testing::TempDir root;
  OverlayDirs overlay(root.path());
  for (int i = 0; i <= 500; ++i) ASSERT_TRUE(overlay.Create(Id(i), i == 0 ? "" : Id(i - 1), "").ok());
  auto options = overlay.MountOptions(Id(60));  // a container's layer over 60 image layers
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_LT(options->size(), 4096u);
  // The nearest lower first, through short links that resolve to the layer dirs.
  const std::string first = options->substr(9, options->find(':') - 9);
  EXPECT_EQ(fs::read_symlink(first).string(), fmt::format("../{}/diff", Id(59)));
  EXPECT_EQ(overlay.MountOptions(Id(500)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

class ContainerLayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ImageStore::Open(dir_.Join("root"), dir_.Join("run"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    layers_ = std::make_unique<ContainerLayers>(store_->files());
  }
  void TearDown() override { testing::DetachMountsUnder(dir_.path()); }

  std::string AddImageLayer(const std::string& id, const std::string& parent,
                            const std::string& file, const std::string& content) {
    auto staging = store_->NewLayerStaging(id);
    EXPECT_TRUE(staging.ok());
    std::ofstream(*staging + "/" + file) << content;
    EXPECT_TRUE(store_->CommitLayer({.id = id, .parent = parent, .diff_digest = "sha256:" + id},
                                    *staging)
                    .ok());
    return id;
  }

  testing::TempDir dir_;
  std::unique_ptr<ImageStore> store_;
  std::unique_ptr<ContainerLayers> layers_;
};

TEST_F(ContainerLayersTest, TellsCriosContainersFromOtherTools) {
  std::ofstream(dir_.Join("root/overlay-containers/containers.json"))
      << json::array({{{"id", "crio1"}, {"metadata", R"({"pod-id":"p","name":"k8s_x"})"}},
                      {{"id", "podman1"}, {"metadata", R"({"image-name":"i","name":"c1"})"}},
                      {{"id", "buildah1"}}})
             .dump();
  std::ofstream(dir_.Join("root/overlay-containers/containers.lock")) << std::string(64, 'o');
  auto recorded = layers_->Recorded();
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->crios, std::set<std::string>{"crio1"});
  EXPECT_EQ(recorded->others, (std::set<std::string>{"buildah1", "podman1"}));
}

TEST_F(ContainerLayersTest, MountsAWritableLayerAndRecordsTheContainer) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string base = AddImageLayer(Id(0), "", "base", "bottom");
  const std::string top = AddImageLayer(Id(1), base, "base", "top");
  const std::string id(64, 'a');
  const RootfsRequest request{.id = id,
                              .name = "k8s_web_pod_default_uid_0",
                              .image_id = std::string(64, 'i'),
                              .layers = {base, top},
                              .metadata = R"({"pod-id":"p"})"};
  auto merged = layers_->Mount(request);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(*layers_->Mount(request), *merged) << "idempotent";
  EXPECT_TRUE(layers_->IsMounted(id));
  EXPECT_EQ(*ReadFileToString(*merged + "/base"), "top");
  std::ofstream(*merged + "/new") << "written";
  EXPECT_FALSE(fs::exists(store_->LayerDir(top) + "/new")) << "the image's layers stay intact";
  EXPECT_GT(layers_->WritableUsage(id).bytes, 0);

  const std::string layer = ContainerLayers::LayerId(id);
  const json containers = ReadJson(dir_.Join("root/overlay-containers/containers.json"));
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0]["id"], id);
  EXPECT_EQ(containers[0]["names"], json::array({request.name}));
  EXPECT_EQ(containers[0]["image"], request.image_id);
  EXPECT_EQ(containers[0]["layer"], layer);
  EXPECT_EQ(containers[0]["metadata"], request.metadata);
  const json layer_records = ReadJson(dir_.Join("root/overlay-layers/layers.json"));
  const json* recorded = FindRecord(layer_records, layer);
  ASSERT_NE(recorded, nullptr);
  EXPECT_EQ((*recorded)["parent"], top);
  EXPECT_FALSE(recorded->contains("flags"));
  const json mounts = ReadJson(dir_.Join("run/overlay-layers/mountpoints.json"));
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0]["id"], layer);
  EXPECT_EQ(mounts[0]["path"], *merged);

  ASSERT_TRUE(layers_->Remove(id).ok());
  EXPECT_FALSE(layers_->IsMounted(id));
  EXPECT_FALSE(fs::exists(dir_.Join("root/overlay/" + layer)));
  EXPECT_TRUE(ReadJson(dir_.Join("root/overlay-containers/containers.json")).empty());
  EXPECT_TRUE(ReadJson(dir_.Join("run/overlay-layers/mountpoints.json")).empty());
  EXPECT_EQ(ReadJson(dir_.Join("root/overlay-layers/layers.json")).size(), 2u);
  EXPECT_TRUE(layers_->Remove(id).ok());
}

TEST_F(ContainerLayersTest, AnImageItsContainersUseStays) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string base = AddImageLayer(Id(0), "", "base", "bottom");
  const std::string image(64, 'i');
  ASSERT_TRUE(store_->PutImage({.id = image, .repo_tags = {"quay.io/a:1"}, .layers = {base},
                                .manifest_digest = "sha256:m"},
                               "{}", {{"sha256:m", "{}"}})
                  .ok());
  const std::string id(64, 'b');
  ASSERT_TRUE(layers_->Mount({.id = id, .name = "n", .image_id = image, .layers = {base},
                              .metadata = "{}"})
                  .ok());
  EXPECT_EQ(store_->RemoveImage(image).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(layers_->Remove(id).ok());
  EXPECT_TRUE(store_->RemoveImage(image).ok());
  EXPECT_FALSE(*store_->HasLayer(base));
}

// An additional image store: another tool's store crio only reads (a pre-seeded, read-only
// image cache). Its images run as crio's own; nothing in it is written.
TEST_F(ContainerLayersTest, ContainersRunFromAnAdditionalImageStoreWhichStaysUntouched) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string base = AddImageLayer(Id(0), "", "base", "bottom");
  const std::string top = AddImageLayer(Id(1), base, "top", "from the store");
  const std::string image(64, 'e');
  ASSERT_TRUE(store_->PutImage({.id = image, .repo_tags = {"quay.io/seeded:1"},
                                .layers = {base, top}, .manifest_digest = "sha256:m"},
                               R"({"config":{"User":"42"}})", {{"sha256:m", "{}"}})
                  .ok());
  const std::string seeded = dir_.Join("root");
  store_.reset();
  layers_.reset();
  const auto before = TreeListing(seeded);

  auto primary = ImageStore::Open(dir_.Join("primary"), dir_.Join("primary-run"),
                                  {.additional_image_stores = {seeded}});
  ASSERT_TRUE(primary.ok()) << primary.status();
  auto found = (*primary)->Find("quay.io/seeded:1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, image);
  EXPECT_EQ((*found)->read_only_store, seeded);
  EXPECT_EQ((*found)->user, "42");
  EXPECT_EQ((*found)->layers, (std::vector<std::string>{base, top}));
  EXPECT_TRUE(*(*primary)->HasLayer(top));
  EXPECT_EQ((*primary)->LayerDir(top), seeded + "/overlay/" + top + "/diff");
  EXPECT_EQ((*primary)->RemoveImage(image).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*primary)->RemoveName("quay.io/seeded:1").status().code(),
            absl::StatusCode::kFailedPrecondition);

  ContainerLayers layers((*primary)->files());
  const std::string id(64, 'c');
  auto merged = layers.Mount({.id = id, .name = "n", .image_id = image, .layers = {base, top},
                              .metadata = R"({"pod-id":"p"})"});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(*ReadFileToString(*merged + "/top"), "from the store");
  EXPECT_EQ(*ReadFileToString(*merged + "/base"), "bottom");
  std::ofstream(*merged + "/new") << "written";
  ASSERT_TRUE(layers.Remove(id).ok());
  EXPECT_EQ(TreeListing(seeded), before) << "the additional store was written to";
}

// A split image store (imagestore): images pulled from then on, and their layers, go to it;
// containers and their layers stay in the graph root, as do the images stored before the
// split, which stay usable and removable. A layer is removed with the last image (in either
// root) that stands on it.
TEST_F(ContainerLayersTest, ASplitImageStoreTakesNewImagesWhileContainersStayInTheGraphRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string base = AddImageLayer(Id(0), "", "base", "bottom");
  const std::string middle = AddImageLayer(Id(1), base, "middle", "before the split");
  const std::string old_image(64, 'd');
  ASSERT_TRUE(store_->PutImage({.id = old_image, .repo_tags = {"quay.io/old:1"},
                                .layers = {base, middle}, .manifest_digest = "sha256:m"},
                               "{}", {{"sha256:m", "{}"}})
                  .ok());
  layers_.reset();
  store_.reset();
  const std::string images = dir_.Join("images");
  auto split = ImageStore::Open(dir_.Join("root"), dir_.Join("run"), {.image_store = images});
  ASSERT_TRUE(split.ok()) << split.status();
  store_ = std::move(*split);
  layers_ = std::make_unique<ContainerLayers>(store_->files());
  EXPECT_EQ(store_->image_root(), images);

  const std::string top = AddImageLayer(Id(2), middle, "top", "after the split");
  EXPECT_TRUE(fs::exists(images + "/overlay/" + top + "/diff/top"));
  EXPECT_FALSE(fs::exists(dir_.Join("root/overlay/" + top)));
  const std::string new_image(64, 'f');
  ASSERT_TRUE(store_->PutImage({.id = new_image, .repo_tags = {"quay.io/new:1"},
                                .layers = {base, middle, top}, .manifest_digest = "sha256:m"},
                               R"({"config":{"User":"7"}})", {{"sha256:m", "{}"}})
                  .ok());
  EXPECT_EQ(ReadJson(images + "/overlay-layers/layers.json").size(), 1u);
  EXPECT_EQ(ReadJson(images + "/overlay-images/images.json").size(), 1u);
  EXPECT_EQ(ReadJson(dir_.Join("root/overlay-images/images.json")).size(), 1u);
  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ((*listed)->size(), 2u);
  for (const ImageRecord& image : **listed) EXPECT_TRUE(image.read_only_store.empty());
  auto found = store_->Find("quay.io/new:1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user, "7");
  EXPECT_EQ((*found)->layers, (std::vector<std::string>{base, middle, top}));

  const std::string id(64, 'c');
  auto merged = layers_->Mount({.id = id, .name = "n", .image_id = new_image,
                                .layers = {base, middle, top}, .metadata = R"({"pod-id":"p"})"});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(*ReadFileToString(*merged + "/base"), "bottom");
  EXPECT_EQ(*ReadFileToString(*merged + "/middle"), "before the split");
  EXPECT_EQ(*ReadFileToString(*merged + "/top"), "after the split");
  const std::string container_layer = ContainerLayers::LayerId(id);
  EXPECT_EQ(*merged, dir_.Join("root/overlay/" + container_layer + "/merged"));
  EXPECT_EQ(ReadJson(dir_.Join("root/overlay-layers/layers.json")).size(), 3u);

  // The old image goes; its layers stay while the new one stands on them.
  ASSERT_TRUE(store_->RemoveImage(old_image).ok());
  EXPECT_TRUE(fs::exists(dir_.Join("root/overlay/" + middle + "/diff/middle")));
  EXPECT_EQ(store_->RemoveImage(new_image).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(layers_->Remove(id).ok());
  ASSERT_TRUE(store_->RemoveImage(new_image).ok());
  for (const std::string& layer : {base, middle, top}) EXPECT_FALSE(*store_->HasLayer(layer));
  EXPECT_FALSE(fs::exists(images + "/overlay/" + top));
  EXPECT_FALSE(fs::exists(dir_.Join("root/overlay/" + base)));
  EXPECT_TRUE(ReadJson(images + "/overlay-layers/layers.json").empty());
  EXPECT_TRUE(ReadJson(dir_.Join("root/overlay-layers/layers.json")).empty());
  EXPECT_TRUE(ReadJson(images + "/overlay-images/images.json").empty());
  EXPECT_TRUE(ReadJson(dir_.Join("root/overlay-images/images.json")).empty());
}

// What a crash leaves in either root of a split store goes at the next start.
TEST_F(ContainerLayersTest, StartUpRemovesIncompleteLayersFromBothRootsOfASplitStore) {
  layers_.reset();
  store_.reset();
  const std::string images = dir_.Join("images");
  for (const std::string& root : {dir_.Join("root"), images}) {
    fs::create_directories(root + "/overlay-layers");
    fs::create_directories(root + "/overlay/" + Id(9) + "/diff");
    std::ofstream(root + "/overlay-layers/layers.json")
        << json::array({{{"id", Id(9)}, {"flags", {{"incomplete", true}}}}}).dump();
  }
  auto split = ImageStore::Open(dir_.Join("root"), dir_.Join("run"), {.image_store = images});
  ASSERT_TRUE(split.ok()) << split.status();
  ASSERT_TRUE((*split)->Reconcile().ok());
  for (const std::string& root : {dir_.Join("root"), images}) {
    EXPECT_TRUE(ReadJson(root + "/overlay-layers/layers.json").empty()) << root;
    EXPECT_FALSE(fs::exists(root + "/overlay/" + Id(9))) << root;
  }
}

}  // namespace
}  // namespace crio::storage
