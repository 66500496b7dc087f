#include "container/mounts.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

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

TEST(HostDevicesTest, ListsDeviceNodesButNotPtsConsoleOrPtmx) {
  const std::vector<spec::Device> devices = HostDevices();
  const auto find = [&](const std::string& path) {
    return std::find_if(devices.begin(), devices.end(),
                        [&](const spec::Device& d) { return d.path == path; });
  };
  ASSERT_NE(find("/dev/null"), devices.end());
  EXPECT_EQ(find("/dev/null")->type, 'c');
  EXPECT_EQ(find("/dev/null")->major, 1);
  EXPECT_EQ(find("/dev/null")->minor, 3);
  EXPECT_EQ(find("/dev/null")->access, "rwm");
  EXPECT_EQ(find("/dev/console"), devices.end());
  EXPECT_EQ(find("/dev/ptmx"), devices.end());
  for (const spec::Device& device : devices) {
    EXPECT_FALSE(device.path.starts_with("/dev/pts/")) << device.path;
    EXPECT_FALSE(device.path.starts_with("/dev/fd/")) << device.path;
  }
}

TEST(HostDevicesTest, WalksSubdirectoriesOfAGivenRoot) {
  testing::TempDir dir;
  ASSERT_EQ(::mknod(dir.Join("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  std::filesystem::create_directories(dir.Join("net"));
  ASSERT_EQ(::mknod(dir.Join("net/tun").c_str(), S_IFCHR | 0600, makedev(10, 200)), 0);
  std::filesystem::create_directories(dir.Join("pts"));
  ASSERT_EQ(::mknod(dir.Join("pts/0").c_str(), S_IFCHR | 0600, makedev(136, 0)), 0);
  dir.WriteFile("regular", "x");
  std::vector<std::string> paths;
  for (const spec::Device& device : HostDevices(dir.path())) paths.push_back(device.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"/dev/net/tun", "/dev/null"}));
}

}  // namespace
}  // namespace crio::container
