#include "container/default_mounts.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/read_file.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

TEST(DefaultMountsTest, ParsesHostAndContainerPaths) {
  const auto entries = ParseMountsConf(
      "# comment\n/usr/share/rhel/secrets:/run/secrets\n  /etc/pki\nrelative:/x\n\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].host, "/usr/share/rhel/secrets");
  EXPECT_EQ(entries[0].container, "/run/secrets");
  EXPECT_EQ(entries[1].container, entries[1].host);
}

// What CRI-O's default_mounts.bats sets up: a directory holding a file and a link to another
// directory, a second entry for a plain directory, and one whose host path is missing.
TEST(DefaultMountsTest, CopiesEachExistingHostPathIntoTheContainersDirOnce) {
  testing::TempDir dir;
  fs::create_directories(dir.Join("rhel/secrets"));
  std::ofstream(dir.Join("rhel/secrets/test.txt")) << "I am mounted!";
  ::chmod(dir.Join("rhel/secrets/test.txt").c_str(), 0640);
  fs::create_directories(dir.Join("symlink/target"));
  std::ofstream(dir.Join("symlink/target/key.pem")) << "key";
  fs::create_directory_symlink(dir.Join("symlink/target"), dir.Join("rhel/secrets/mysymlink"));
  fs::create_symlink(dir.Join("nowhere"), dir.Join("rhel/secrets/dangling"));
  const std::string run = dir.Join("run");
  fs::create_directories(run);

  auto mounts = DefaultMounts({{dir.Join("rhel/secrets"), "/run/secrets"},
                               {dir.Join("absent"), "/absent"}},
                              run);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 1u);
  const spec::Mount& mount = (*mounts)[0];
  EXPECT_EQ(mount.destination, "/run/secrets");
  EXPECT_EQ(mount.source, run + "/run/secrets");
  EXPECT_EQ(*ReadFileToString(mount.source + "/test.txt"), "I am mounted!");
  EXPECT_EQ(*ReadFileToString(mount.source + "/mysymlink/key.pem"), "key");
  EXPECT_FALSE(fs::is_symlink(mount.source + "/mysymlink"));  // a copy, not the host's link
  EXPECT_FALSE(fs::exists(mount.source + "/dangling"));
  struct stat info {};
  ASSERT_EQ(::stat((mount.source + "/test.txt").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);

  // A restart finds the copy and keeps it, as the library does.
  std::ofstream(mount.source + "/test.txt") << "changed in the container";
  ASSERT_TRUE(DefaultMounts({{dir.Join("rhel/secrets"), "/run/secrets"}}, run).ok());
  EXPECT_EQ(*ReadFileToString(mount.source + "/test.txt"), "changed in the container");
}

TEST(DefaultMountsTest, AContainerPathCannotLeaveTheContainersDir) {
  testing::TempDir dir;
  fs::create_directories(dir.Join("src"));
  EXPECT_FALSE(DefaultMounts({{dir.Join("src"), "/../../etc"}}, dir.Join("run")).ok());
}

}  // namespace
}  // namespace crio::container
