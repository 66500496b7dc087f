#include "storage/usage.h"

#include <unistd.h>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

TEST(DirectoryUsageTest, MissingDirectoryUsesNothing) {
  testing::TempDir dir;
  const Usage usage = DirectoryUsage(dir.Join("absent"));
  EXPECT_EQ(usage.bytes, 0u);
  EXPECT_EQ(usage.inodes, 0u);
}

TEST(DirectoryUsageTest, CountsFilesDirsAndLinksWithoutFollowingThem) {
  testing::TempDir dir;
  dir.WriteFile("images/a", std::string(100, 'a'));
  dir.WriteFile("images/sub/b", std::string(50, 'b'));
  const std::string outside = dir.WriteFile("outside/big", std::string(10000, 'x'));
  ASSERT_EQ(symlink(dir.Join("outside").c_str(), dir.Join("images/link").c_str()), 0);
  const Usage usage = DirectoryUsage(dir.Join("images"));
  // a, sub, sub/b and the link itself.
  EXPECT_EQ(usage.inodes, 4u);
  EXPECT_GE(usage.bytes, 150u);
  EXPECT_LT(usage.bytes, 10000u);
}

}  // namespace
}  // namespace crio::storage
