#include "storage/container_layers.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

// Distinct in their first 26 hex digits, as real chain ids are.
std::string Hex(int n) { return fmt::format("{:04x}{:060x}", n, n); }
std::string ChainId(int n) { return "sha256:" + Hex(n); }

std::string LayerDir(const testing::TempDir& root, int n) {
  return fmt::format("{}/overlay/{}/diff", root.path(), Hex(n));
}

TEST(ContainerLayersTest, DeepImagesStayUnderAPage) {
  testing::TempDir root;
  ContainerLayers layers(root.path());
  std::vector<std::string> chain;
  for (int i = 0; i < 60; ++i) chain.push_back(ChainId(i));
  auto options = layers.MountOptions(std::string(64, 'c'), chain);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_LT(options->size(), 4096u);
  // Top layer first, through short links that resolve to the layer dirs.
  const std::string first = options->substr(9, options->find(':') - 9);
  EXPECT_EQ(std::filesystem::read_symlink(first).string(), fmt::format("../{}/diff", Hex(59)));
  for (int i = 60; i < 500; ++i) chain.push_back(ChainId(i));
  EXPECT_EQ(layers.MountOptions("c", chain).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ContainerLayersTest, MountsAWritableOverlay) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  testing::TempDir root;
  std::filesystem::create_directories(LayerDir(root, 0));
  std::filesystem::create_directories(LayerDir(root, 1));
  std::ofstream(LayerDir(root, 0) + "/base") << "bottom";
  std::ofstream(LayerDir(root, 1) + "/base") << "top";
  ContainerLayers layers(root.path());
  const std::string id(64, 'a');
  auto merged = layers.Mount(id, {ChainId(0), ChainId(1)});
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
