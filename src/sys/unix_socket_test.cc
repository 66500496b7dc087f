#include "sys/unix_socket.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::sys {
namespace {

TEST(UnixSocketTest, ListenSetsModeAndAcceptsConnections) {
  testing::TempDir dir;
  const std::string path = dir.Join("api.sock");
  auto listener = ListenUnix(path, 0660);
  ASSERT_TRUE(listener.ok()) << listener.status();
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0660u);
  EXPECT_TRUE(ConnectUnix(path).ok());
}

TEST(UnixSocketTest, ListenOnExistingPathFails) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("taken", "x");
  EXPECT_EQ(ListenUnix(path, 0660).status().code(), absl::StatusCode::kUnavailable);
}

TEST(UnixSocketTest, OverlongPathIsInvalid) {
  EXPECT_EQ(ListenUnix("/" + std::string(200, 'a'), 0660).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UnixSocketTest, ConnectToNothingIsNotFound) {
  testing::TempDir dir;
  EXPECT_EQ(ConnectUnix(dir.Join("none.sock")).status().code(), absl::StatusCode::kNotFound);
}

TEST(LockFileTest, SecondLockIsUnavailableUntilFirstIsReleased) {
  testing::TempDir dir;
  const std::string path = dir.Join("crio.lock");
  auto first = LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status();
  // flock locks belong to the open file description: a second open conflicts.
  EXPECT_EQ(LockFile(path).status().code(), absl::StatusCode::kUnavailable);
  first->Reset();
  EXPECT_TRUE(LockFile(path).ok());
}

TEST(MakeDirsTest, CreatesParentsWithModeAndRejectsFiles) {
  testing::TempDir dir;
  const std::string path = dir.Join("a/b/c");
  ASSERT_TRUE(MakeDirs(path, 0700).ok());
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_TRUE(MakeDirs(path, 0700).ok());
  EXPECT_FALSE(MakeDirs(dir.WriteFile("file", "x"), 0700).ok());
}

}  // namespace
}  // namespace crio::sys
