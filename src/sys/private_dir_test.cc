#include "sys/private_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::sys {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 ? info.st_mode & 07777 : 0;
}

// Runs the test body under a permissive umask, as a careless unit file might.
class PrivateDirTest : public ::testing::Test {
 protected:
  void SetUp() override { old_umask_ = ::umask(0); }
  void TearDown() override { ::umask(old_umask_); }

  testing::TempDir dir_;
  mode_t old_umask_ = 0;
};

TEST_F(PrivateDirTest, NewDirectoriesAndFilesAreRootsAloneWhateverTheUmask) {
  const std::string root = dir_.Join("lib/crio");
  ASSERT_TRUE(MakePrivateDir(root).ok());
  EXPECT_EQ(ModeOf(root), 0700);
  ASSERT_TRUE(MakePrivateFile(root + "/state.db").ok());
  EXPECT_EQ(ModeOf(root + "/state.db"), 0600);
}

TEST_F(PrivateDirTest, APreCreatedOpenDirectoryIsTightened) {
  const std::string root = dir_.Join("storage");
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  const std::string db = dir_.WriteFile("storage/images.db", "");
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  ASSERT_TRUE(MakePrivateDir(root).ok());
  ASSERT_TRUE(MakePrivateFile(db).ok());
  EXPECT_EQ(ModeOf(root), 0700);
  EXPECT_EQ(ModeOf(db), 0600);
}

TEST_F(PrivateDirTest, AbsentJournalsAreFinePresentOnesAreTightened) {
  EXPECT_TRUE(TightenIfPresent(dir_.Join("state.db-wal")).ok());
  const std::string wal = dir_.WriteFile("state.db-shm", "");
  ASSERT_EQ(::chmod(wal.c_str(), 0666), 0);
  ASSERT_TRUE(TightenIfPresent(wal).ok());
  EXPECT_EQ(ModeOf(wal), 0600);
}

TEST_F(PrivateDirTest, SymlinksAndOtherOwnersAreRefused) {
  const std::string target = dir_.WriteFile("elsewhere", "");
  const std::string link = dir_.Join("state.db");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_FALSE(MakePrivateFile(link).ok());
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
  const std::string foreign = dir_.Join("foreign");
  ASSERT_EQ(::mkdir(foreign.c_str(), 0755), 0);
  ASSERT_EQ(::chown(foreign.c_str(), 65534, 65534), 0);
  const absl::Status refused = MakePrivateDir(foreign);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("owned by uid 65534"), std::string::npos) << refused;
  EXPECT_EQ(ModeOf(foreign), 0755);  // refused, not changed
}

}  // namespace
}  // namespace crio::sys
