#include "sys/process.h"

#include "gtest/gtest.h"

namespace crio::sys {
namespace {

TEST(RunProcessTest, FeedsStdinAndCapturesBothStreams) {
  auto result = RunProcess({.argv = {"/bin/sh", "-c", "cat; echo oops >&2; exit 3"},
                            .env = {"PATH=/usr/bin:/bin"},
                            .stdin_data = "hello"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->out, "hello");
  EXPECT_EQ(result->err, "oops\n");
  EXPECT_FALSE(result->timed_out);
}

TEST(RunProcessTest, PassesOnlyTheGivenEnvironment) {
  auto result = RunProcess({.argv = {"/usr/bin/env"}, .env = {"ONLY=this"}, .stdin_data = ""});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->out, "ONLY=this\n");
}

TEST(RunProcessTest, KillsAtTheDeadline) {
  auto result = RunProcess({.argv = {"/bin/sleep", "30"},
                            .env = {},
                            .stdin_data = "",
                            .timeout = std::chrono::milliseconds(100)});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, 128 + 9);
}

TEST(RunProcessTest, BoundsTheOutput) {
  auto result = RunProcess({.argv = {"/bin/sh", "-c", "head -c 100000 /dev/zero"},
                            .env = {"PATH=/usr/bin:/bin"},
                            .stdin_data = "",
                            .max_output = 1000});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->out.size(), 1000u);
}

TEST(RunProcessTest, MissingBinaryIsNotFound) {
  auto result = RunProcess({.argv = {"/nonexistent/plugin"}, .env = {}, .stdin_data = ""});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crio::sys
