#include "common/log.h"

#include "gtest/gtest.h"
#include "testing/log_capture.h"

namespace crio::log {
namespace {

// 2026-11-24T01:02:03.000000042Z
std::chrono::system_clock::time_point FixedTime() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795482123)) +
         std::chrono::nanoseconds(42);
}

TEST(LogTest, ParsesCrioLevelNames) {
  EXPECT_EQ(*ParseLevel("trace"), Level::kTrace);
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("info"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("ERROR"), Level::kError);
  EXPECT_EQ(*ParseLevel("fatal"), Level::kFatal);
  EXPECT_EQ(*ParseLevel("panic"), Level::kPanic);
  const auto bad = ParseLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("allowed: trace, debug, info"), std::string::npos);
}

TEST(LogTest, TextLineQuotesTheMessage) {
  EXPECT_EQ(FormatLine(Format::kText, Level::kInfo, FixedTime(), "say \"hi\"\nbye"),
            "time=\"2026-11-24T01:02:03.000000042Z\" level=info msg=\"say \\\"hi\\\"\\nbye\"\n");
}

TEST(LogTest, ControlCharactersStayOnOneLine) {
  EXPECT_EQ(FormatLine(Format::kText, Level::kError, FixedTime(), "a\tb\x01"),
            "time=\"2026-11-24T01:02:03.000000042Z\" level=error msg=\"a\\tb\\u0001\"\n");
}

TEST(LogTest, JsonLineIsOneJsonObject) {
  EXPECT_EQ(FormatLine(Format::kJson, Level::kWarn, FixedTime(), "a \"b\""),
            "{\"level\":\"warning\",\"msg\":\"a "
            "\\\"b\\\"\",\"time\":\"2026-11-24T01:02:03.000000042Z\"}\n");
}

TEST(LogTest, LevelGatesOutput) {
  const Level before = CurrentLevel();
  SetLevel(Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  SetLevel(before);
}

TEST(LogTest, SinkTakesTheLinesInsteadOfStderr) {
  {
    testing::LogCapture capture(Level::kInfo);
    Warn("disk {} is {}% full", "/var", 93);
    Debug("not at this level");
    const auto lines = capture.Matching("disk /var is 93% full");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].level, Level::kWarn);
    EXPECT_NE(lines[0].text.find("level=warning msg=\"disk /var is 93% full\"\n"),
              std::string::npos)
        << lines[0].text;
    EXPECT_TRUE(capture.Matching("not at this level").empty());
  }
  testing::LogCapture later;
  Info("after the first capture");
  EXPECT_EQ(later.Matching("after the first capture").size(), 1u);
}

// CRI-O's log_filter: only matching messages are written; a bad pattern changes nothing.
TEST(LogTest, AFilterKeepsOnlyTheMessagesItMatches) {
  testing::LogCapture capture(Level::kInfo);
  ASSERT_TRUE(SetFilter("request: .*").ok());
  Info("request: Version");
  Info("an unrelated line");
  const absl::Status bad = SetFilter("(");
  EXPECT_NE(bad.message().find("custom log level filter does not compile"), std::string::npos);
  Info("another unrelated line");  // the first filter still holds
  ASSERT_TRUE(SetFilter("").ok());
  Info("every line again");
  EXPECT_EQ(capture.Matching("request: Version").size(), 1u);
  EXPECT_TRUE(capture.Matching("unrelated").empty());
  EXPECT_EQ(capture.Matching("every line again").size(), 1u);
}

}  // namespace
}  // namespace crio::log
