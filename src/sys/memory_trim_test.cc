#include "sys/memory_trim.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::sys {
namespace {

constexpr size_t kSize = 64 << 10;

// The resident kB of the mapping starting at `address`, from /proc/self/smaps.
size_t ResidentKb(const void* address) {
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(address));
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.find('-') < line.find(' ') && line.find(':') > line.find(' ')) {
      inside = line.starts_with(start);
    } else if (inside && line.starts_with("Rss:")) {
      return std::stoul(line.substr(4));
    }
  }
  return 0;
}

class MemoryTrimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.WriteFile("data", std::string(kSize, 'x'));
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { ::close(fd_); }

  testing::TempDir dir_;
  int fd_ = -1;
};

TEST_F(MemoryTrimTest, ReadOnlyFilePagesAreReleasedAndStillReadable) {
  auto* data = static_cast<const char*>(::mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE, fd_, 0));
  ASSERT_NE(data, MAP_FAILED);
  size_t sum = 0;
  for (size_t i = 0; i < kSize; i += 4096) sum += static_cast<size_t>(data[i]);
  ASSERT_GT(ResidentKb(data), 0u);
  const TrimResult result = ReleaseCleanFilePages();
  EXPECT_GE(result.mappings, 1u);
  EXPECT_EQ(ResidentKb(data), 0u);
  EXPECT_EQ(data[kSize - 1], 'x');  // faults back in from the file
  EXPECT_EQ(sum, kSize / 4096 * 'x');
  ::munmap(const_cast<char*>(data), kSize);
}

TEST_F(MemoryTrimTest, WrittenPagesOfAReadOnlyMappingAreKept) {
  // As the dynamic loader does with RELRO: write a private file mapping, then seal it.
  auto* data =
      static_cast<char*>(::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0));
  ASSERT_NE(data, MAP_FAILED);
  std::memcpy(data, "relocated", 9);
  ASSERT_EQ(::mprotect(data, kSize, PROT_READ), 0);
  ReleaseCleanFilePages();
  EXPECT_EQ(std::string(data, 9), "relocated");
  ::munmap(data, kSize);
}

}  // namespace
}  // namespace crio::sys
