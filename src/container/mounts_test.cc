#include "container/mounts.h"

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

TEST(ContainerDevicesTest, OnlyRealDevices) {
  ContainerRequest request;
  request.devices = {
      {.container_path = "/dev/mynull", .host_path = "/dev/null", .permissions = "rw"}};
  auto devices = ContainerDevices(request);
  ASSERT_TRUE(devices.ok()) << devices.status();
  EXPECT_EQ((*devices)[0].type, 'c');
  EXPECT_EQ((*devices)[0].major, 1);
  EXPECT_EQ((*devices)[0].minor, 3);
  request.devices = {{.container_path = "/dev/x", .host_path = "/etc/passwd"}};
  EXPECT_EQ(ContainerDevices(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.devices = {{.container_path = "/dev/x", .host_path = "/dev/null", .permissions = "rx"}};
  EXPECT_EQ(ContainerDevices(request).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::container
