#include "common/read_file.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio {
namespace {

TEST(ReadFileToStringTest, ReadsARegularFileWhole) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("config", "key = 1\n");
  auto content = ReadFileToString(path);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, "key = 1\n");
}

TEST(ReadFileToStringTest, AFifoIsRefusedAtOnceInsteadOfBlocking) {
  testing::TempDir dir;
  const std::string path = dir.Join("passwd");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto content = ReadFileToString(path);  // would block forever without O_NONBLOCK + fstat
  EXPECT_EQ(content.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(content.status().message().find(path + " is a FIFO") != std::string::npos)
      << content.status();
}

TEST(ReadFileToStringTest, ADeviceOrDirectoryIsRefused) {
  testing::TempDir dir;
  EXPECT_EQ(ReadFileToString("/dev/zero").status().code(),
            absl::StatusCode::kFailedPrecondition);  // would read forever
  auto directory = ReadFileToString(dir.path());
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(directory.status().message().find("a directory"), std::string::npos);
}

TEST(ReadFileToStringTest, TheNullDeviceIsAnEmptyFile) {
  auto content = ReadFileToString("/dev/null");  // `crio -c /dev/null`, as CRI-O's tests run it
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, "");
}

TEST(ReadFileToStringTest, MissingAndOversizedFilesHaveTheirOwnCodes) {
  testing::TempDir dir;
  EXPECT_EQ(ReadFileToString(dir.Join("absent")).status().code(), absl::StatusCode::kNotFound);
  const std::string path = dir.WriteFile("big", std::string(100, 'x'));
  EXPECT_EQ(ReadFileToString(path, 99).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(ReadFileToString(path, 100).ok());
}

}  // namespace
}  // namespace crio
