#include "container/mounts.h"

#include <sys/stat.h>
#include <unistd.h>

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
  fs::create_directories(rootfs + "/data");
  auto mounts = ImageVolumes({"/data/db"}, "mkdir", rootfs, dir.Join("vols"),
                             {.uid = 1000, .gid = 1001});
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  EXPECT_TRUE(mounts->empty());
  EXPECT_TRUE(fs::is_directory(rootfs + "/data/db"));
  // What it made belongs to the container's user (CRI-O's "image volume user mkdir"); what
  // the image had stays as it was.
  struct stat made {}, had {};
  ASSERT_EQ(::stat((rootfs + "/data/db").c_str(), &made), 0);
  ASSERT_EQ(::stat((rootfs + "/data").c_str(), &had), 0);
  EXPECT_EQ(made.st_uid, 1000u);
  EXPECT_EQ(made.st_gid, 1001u);
  EXPECT_EQ(had.st_uid, ::getuid());
  // The link resolves inside the rootfs, where its target does not exist: an error, and
  // nothing is created on the host.
  EXPECT_FALSE(ImageVolumes({"/escape/owned"}, "mkdir", rootfs, dir.Join("vols"), {}).ok());
  EXPECT_FALSE(fs::exists(dir.Join("outside/owned")));
}

TEST(ImageVolumesTest, BindGivesEachVolumeADirectory) {
  testing::TempDir dir;
  fs::create_directories(dir.Join("rootfs"));
  auto mounts = ImageVolumes({"/data"}, "bind", dir.Join("rootfs"), dir.Join("vols"), {});
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 1u);
  EXPECT_EQ((*mounts)[0].destination, "/data");
  EXPECT_TRUE(fs::is_directory((*mounts)[0].source));
  EXPECT_TRUE(ImageVolumes({"/data"}, "ignore", dir.Join("rootfs"), dir.Join("v"), {})->empty());
}

}  // namespace
}  // namespace crio::container
