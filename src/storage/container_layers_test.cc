#include "storage/container_layers.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

std::string Id(int n) { return fmt::format("{:04x}{:060x}", n, n); }

// Layers 0..count-1 of one image, each on the one before, in the overlay driver's layout.
std::vector<std::string> MakeImage(const testing::TempDir& root, int count) {
  OverlayDirs overlay(root.path());
  std::vector<std::string> layers;
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(overlay.Create(Id(i), i == 0 ? "" : Id(i - 1), "").ok());
    layers.push_back(Id(i));
  }
  return layers;
}

std::string LayerDir(const testing::TempDir& root, int n) {
  return fmt::format("{}/overlay/{}/diff", root.path(), Id(n));
}

TEST(ContainerLayersTest, DeepImagesStayUnderAPage) {
  testing::TempDir root;
  ContainerLayers layers(root.path());
  std::vector<std::string> chain = MakeImage(root, 500);
  auto options = layers.MountOptions(std::string(64, 'c'), {chain.begin(), chain.begin() + 60});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_LT(options->size(), 4096u);
  // Top layer first, through short links that resolve to the layer dirs.
  const std::string first = options->substr(9, options->find(':') - 9);
  EXPECT_EQ(std::filesystem::read_symlink(first).string(), fmt::format("../{}/diff", Id(59)));
  EXPECT_EQ(layers.MountOptions("c", chain).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ContainerLayersTest, MountsAWritableOverlay) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  testing::TempDir root;
  const std::vector<std::string> image = MakeImage(root, 2);
  std::ofstream(LayerDir(root, 0) + "/base") << "bottom";
  std::ofstream(LayerDir(root, 1) + "/base") << "top";
  ContainerLayers layers(root.path());
  const std::string id(64, 'a');
  auto merged = layers.Mount(id, image);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_TRUE(layers.IsMounted(id));
  std::string content;
  std::getline(std::ifstream(*merged + "/base"), content);
  EXPECT_EQ(content, "top");
  std::ofstream(*merged + "/new") << "written";
  EXPECT_FALSE(std::filesystem::exists(LayerDir(root, 1) + "/new"));  // layers stay intact
  EXPECT_GT(layers.WritableUsage(id).bytes, 0);
  ASSERT_TRUE(layers.Remove(id).ok());
  EXPECT_FALSE(layers.IsMounted(id));
  EXPECT_FALSE(std::filesystem::exists(root.Join("overlay-containers/" + id)));
  EXPECT_TRUE(layers.Remove(id).ok());
}

}  // namespace
}  // namespace crio::storage
