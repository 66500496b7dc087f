#include "common/atomic_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio {
namespace {

TEST(AtomicFileTest, ReplacesContentAndLeavesNoTemporaries) {
  testing::TempDir dir;
  const std::string path = dir.Join("state.json");
  ASSERT_TRUE(WriteFileAtomically(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0644).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "two");
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(AtomicFileTest, TheModeIsExactWhateverTheUmask) {
  testing::TempDir dir;
  const mode_t old_umask = ::umask(0077);
  const absl::Status shared = WriteFileAtomically(dir.Join("resolv.conf"), "x", 0644);
  ::umask(0);
  const absl::Status secret = WriteFileAtomically(dir.Join("state.json"), "x");
  ::umask(old_umask);
  ASSERT_TRUE(shared.ok() && secret.ok());
  struct stat info {};
  ASSERT_EQ(stat(dir.Join("resolv.conf").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);  // containers' users still read it
  ASSERT_EQ(stat(dir.Join("state.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(AtomicFileTest, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  EXPECT_EQ(WriteFileAtomically(dir.Join("none/state.json"), "x").code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crio
