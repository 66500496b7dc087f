#include "container/devices.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::container {
namespace {

TEST(ContainerDevicesTest, OnlyRealDevices) {
  auto devices = ContainerDevices(
      {{.container_path = "/dev/mynull", .host_path = "/dev/null", .permissions = "rw"}});
  ASSERT_TRUE(devices.ok()) << devices.status();
  EXPECT_EQ((*devices)[0].type, 'c');
  EXPECT_EQ((*devices)[0].major, 1);
  EXPECT_EQ((*devices)[0].minor, 3);
  EXPECT_EQ(
      ContainerDevices({{.container_path = "/dev/x", .host_path = "/etc/passwd"}}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ContainerDevices(
                {{.container_path = "/dev/x", .host_path = "/dev/null", .permissions = "rx"}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
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

TEST(ContainerDevicesTest, ADirectoryStandsForTheDevicesUnderIt) {
  testing::TempDir dir;
  ASSERT_EQ(::mknod(dir.Join("tun").c_str(), S_IFCHR | 0600, makedev(10, 200)), 0);
  std::filesystem::create_directories(dir.Join("sub"));
  ASSERT_EQ(::mknod(dir.Join("sub/loop9").c_str(), S_IFBLK | 0600, makedev(7, 9)), 0);
  dir.WriteFile("not-a-device", "x");
  auto devices = ContainerDevices({{.container_path = "/dev/net", .host_path = dir.path()}});
  ASSERT_TRUE(devices.ok()) << devices.status();
  std::vector<std::string> paths;
  for (const spec::Device& device : *devices) paths.push_back(device.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"/dev/net/sub/loop9", "/dev/net/tun"}));
}

TEST(ContainerDevicesTest, ALaterRequestForThePathWins) {
  auto devices = ContainerDevices({{.container_path = "/dev/x", .host_path = "/dev/null"},
                                   {.container_path = "/dev/x", .host_path = "/dev/zero"}});
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].minor, 5);  // /dev/zero
}

TEST(ParseDevicesAnnotationTest, OnlyAllowedDevices) {
  const std::vector<std::string> allowed = {"/dev/fuse", "/dev/net/tun"};
  auto devices = ParseDevicesAnnotation("/dev/fuse,/dev/net/tun:/dev/tun:rw", allowed);
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)[1].container_path, "/dev/tun");
  auto refused = ParseDevicesAnnotation("/dev/fuse,/dev/kmsg", allowed);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("/dev/kmsg"), std::string::npos);
}

}  // namespace
}  // namespace crio::container
