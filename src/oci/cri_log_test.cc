#include "oci/cri_log.h"

#include "gtest/gtest.h"

namespace crio::oci {
namespace {

TEST(CriLogTest, SplitsStreamsAndJoinsPartialLines) {
  const SplitOutput split = ParseCriLog(
      "2024-01-02T03:04:05.1Z stdout F hello\n"
      "2024-01-02T03:04:05.2Z stderr F oops\n"
      "2024-01-02T03:04:05.3Z stdout P par\n"
      "2024-01-02T03:04:05.4Z stdout F tial\n"
      "garbage\n"
      "2024-01-02T03:04:05.5Z stdout F \n"
      "2024-01-02T03:04:05.6Z stdout P no newline");
  EXPECT_EQ(split.out, "hello\npartial\n\nno newline");
  EXPECT_EQ(split.err, "oops\n");
}

}  // namespace
}  // namespace crio::oci
