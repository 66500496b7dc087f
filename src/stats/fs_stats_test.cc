#include "stats/fs_stats.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::stats {
namespace {

TEST(MountSourceOfTest, TheLastMountOfTheDevice) {
  constexpr char kMountinfo[] =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "30 22 0:26 / /tmp rw shared:5 - tmpfs tmpfs rw\n"
      "31 22 8:1 /var /mnt rw shared:1 - ext4 /dev/sda1-again rw\n";
  EXPECT_EQ(MountSourceOf(kMountinfo, "8:1"), "/dev/sda1-again");
  EXPECT_EQ(MountSourceOf(kMountinfo, "0:26"), "tmpfs");
  EXPECT_EQ(MountSourceOf(kMountinfo, "9:9"), "");
}

TEST(BlockDeviceNameTest, FromUeventElseMajorMinor) {
  testing::TempDir sys;
  sys.WriteFile("dev/block/8:0/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n");
  EXPECT_EQ(BlockDeviceName("8:0", sys.path()), "/dev/sda");
  EXPECT_EQ(BlockDeviceName("8:16", sys.path()), "8:16");
}

TEST(FilesystemOfTest, SizeAndInodesOfARealDirectory) {
  testing::TempDir dir;
  auto fs = FilesystemOf(dir.path());
  ASSERT_TRUE(fs.ok()) << fs.status();
  EXPECT_FALSE(fs->device.empty());
  EXPECT_GT(fs->capacity_bytes, 0u);
  EXPECT_GE(fs->inodes_total, fs->inodes_free);
  EXPECT_FALSE(FilesystemOf(dir.Join("absent")).ok());
}

TEST(FilesystemLookupTest, ReadsMountinfoOncePerDevice) {
  testing::TempDir dir;
  struct stat info {};
  ASSERT_EQ(::stat(dir.path().c_str(), &info), 0);
  const std::string device = fmt::format("{}:{}", major(info.st_dev), minor(info.st_dev));
  const std::string mountinfo =
      dir.WriteFile("mountinfo", "22 1 " + device + " / / rw shared:1 - ext4 /dev/first rw\n");
  FilesystemLookup lookup(mountinfo);
  auto first = lookup.Of(dir.path());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->device, "/dev/first");
  dir.WriteFile("mountinfo", "22 1 " + device + " / / rw shared:1 - ext4 /dev/second rw\n");
  EXPECT_EQ(lookup.Of(dir.Join("mountinfo"))->device, "/dev/first") << "remembered";
  EXPECT_EQ(FilesystemOf(dir.path(), mountinfo)->device, "/dev/second");
}

}  // namespace
}  // namespace crio::stats
