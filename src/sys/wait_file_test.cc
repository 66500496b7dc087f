#include "sys/wait_file.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::sys {
namespace {

using std::chrono::milliseconds;

TEST(WaitForFileTest, ExistingFileIsThereAtOnce) {
  testing::TempDir dir;
  EXPECT_TRUE(WaitForFile(dir.WriteFile("log", "x"), milliseconds(0)).ok());
}

TEST(WaitForFileTest, WakesWhenAnotherThreadCreatesIt) {
  testing::TempDir dir;
  std::thread creator([&dir] {
    std::this_thread::sleep_for(milliseconds(50));
    dir.WriteFile("log", "x");
  });
  const absl::Status waited = WaitForFile(dir.Join("log"), std::chrono::seconds(10));
  creator.join();
  EXPECT_TRUE(waited.ok()) << waited;
}

TEST(WaitForFileTest, WakesWhenAFileIsRenamedIntoPlace) {
  testing::TempDir dir;
  const std::string staged = dir.WriteFile("log.tmp", "x");
  std::thread mover([&] {
    std::this_thread::sleep_for(milliseconds(50));
    std::filesystem::rename(staged, dir.Join("log"));
  });
  const absl::Status waited = WaitForFile(dir.Join("log"), std::chrono::seconds(10));
  mover.join();
  EXPECT_TRUE(waited.ok()) << waited;
}

TEST(WaitForFileTest, GivesUpAtTheDeadline) {
  testing::TempDir dir;
  EXPECT_EQ(WaitForFile(dir.Join("never"), milliseconds(100)).code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(WaitForFileTest, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  EXPECT_EQ(WaitForFile(dir.Join("gone/log"), milliseconds(100)).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crio::sys
