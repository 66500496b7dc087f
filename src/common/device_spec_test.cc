#include "common/device_spec.h"

#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(DeviceSpecTest, ParsesAsCrioDoes) {
  auto full = ParseDeviceSpec("/dev/fuse:/dev/myfuse:rw");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->host_path, "/dev/fuse");
  EXPECT_EQ(full->container_path, "/dev/myfuse");
  EXPECT_EQ(full->permissions, "rw");
  auto bare = ParseDeviceSpec("/dev/fuse");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->container_path, "/dev/fuse");
  EXPECT_EQ(bare->permissions, "rwm");
  auto mode_only = ParseDeviceSpec("/dev/fuse:r");  // a permission set, not a path
  ASSERT_TRUE(mode_only.ok());
  EXPECT_EQ(mode_only->container_path, "/dev/fuse");
  EXPECT_EQ(mode_only->permissions, "r");
}

// CRI-O's command.bats "invalid devices" runs these three.
TEST(DeviceSpecTest, RefusesWhatCrioRefusesInItsWords) {
  EXPECT_EQ(ParseDeviceSpec("/dev/null:/dev/foo:123").status().message(),
            "invalid device mode: 123");
  EXPECT_EQ(ParseDeviceSpec("/dev/null:/dee/foo:rm").status().message(),
            "invalid device mode: /dee/foo");
  EXPECT_EQ(ParseDeviceSpec("/dee/sda:rmw").status().message(), "invalid device mode: /dee/sda");
  EXPECT_FALSE(ParseDeviceSpec("").ok());
  EXPECT_FALSE(ParseDeviceSpec("/dev/a:/dev/b:rw:extra").ok());
  EXPECT_FALSE(ParseDeviceSpec("/dev/a:/dev/b:rr").ok());
}

TEST(DeviceSpecTest, TheHostPathMustBeADevice) {
  EXPECT_TRUE(CheckHostDevice(*ParseDeviceSpec("/dev/null")).ok());
  EXPECT_EQ(CheckHostDevice({.container_path = "/dev/x", .host_path = "/etc/hostname"})
                .message(),
            "/etc/hostname is not a valid device: not a device node");
  EXPECT_NE(CheckHostDevice({.container_path = "/dev/x", .host_path = "/dee/sda"})
                .message()
                .find("/dee/sda is not a valid device"),
            std::string::npos);
}

}  // namespace
}  // namespace crio
