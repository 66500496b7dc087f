#include "container/mounts.h"

#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

TEST(ImageVolumesTest, MkdirCreatesThemInsideTheRootfsOnly) {
  testing::TempDir dir;
  const std::string rootfs = dir.Join("rootfs");
  fs::create_directories(rootfs);
  fs::create_directories(dir.Join("outside"));
  fs::create_symlink(dir.Join("outside"), rootfs + "/escape");  // a hostile image's link
  auto mounts = ImageVolumes({"/data/db"}, "mkdir", rootfs, dir.Join("vols"));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  EXPECT_TRUE(mounts->empty());
  EXPECT_TRUE(fs::is_directory(rootfs + "/data/db"));
  // The link resolves inside the rootfs, where its target does not exist: an error, and
  // nothing is created on the host.
  EXPECT_FALSE(ImageVolumes({"/escape/owned"}, "mkdir", rootfs, dir.Join("vols")).ok());
  EXPECT_FALSE(fs::exists(dir.Join("outside/owned")));
}

TEST(ImageVolumesTest, BindGivesEachVolumeADirectory) {
  testing::TempDir dir;
  fs::create_directories(dir.Join("rootfs"));
  auto mounts = ImageVolumes({"/data"}, "bind", dir.Join("rootfs"), dir.Join("vols"));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 1u);
  EXPECT_EQ((*mounts)[0].destination, "/data");
  EXPECT_TRUE(fs::is_directory((*mounts)[0].source));
  EXPECT_TRUE(ImageVolumes({"/data"}, "ignore", dir.Join("rootfs"), dir.Join("v"))->empty());
}

}  // namespace
}  // namespace crio::container
