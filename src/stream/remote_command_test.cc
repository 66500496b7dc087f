#include "stream/remote_command.h"

#include <deque>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace crio::stream {
namespace {

// A channel fed from a list of chunks.
class ScriptedChannel final : public Channel {
 public:
  explicit ScriptedChannel(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
  size_t Read(char* data, size_t size) override {
    if (chunks_.empty()) return 0;
    std::string& front = chunks_.front();
    const size_t n = std::min(size, front.size());
    std::copy_n(front.data(), n, data);
    front.erase(0, n);
    if (front.empty()) chunks_.pop_front();
    return n;
  }
  bool Write(std::string_view data) override {
    written += data;
    return true;
  }
  void CloseWrite() override { closed = true; }
  void StopReading() override { chunks_.clear(); }
  std::string written;
  bool closed = false;

 private:
  std::deque<std::string> chunks_;
};

TEST(RemoteCommandTest, NegotiatesTheClientsFirstKnownVersion) {
  EXPECT_EQ(Negotiate({"v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io"},
                      SpdyCommandProtocols()),
            "v4.channel.k8s.io");
  EXPECT_EQ(Negotiate({"channel.k8s.io", "v4.channel.k8s.io"}, SpdyCommandProtocols()),
            "channel.k8s.io");
  EXPECT_EQ(Negotiate({"v9.channel.k8s.io"}, SpdyCommandProtocols()), "");
  EXPECT_EQ(CommandProtocolNamed("v3.channel.k8s.io"), CommandProtocol::kV3);
  EXPECT_EQ(CommandProtocolNamed(""), CommandProtocol::kV1);
}

TEST(RemoteCommandTest, StatusCarriesTheExitCode) {
  EXPECT_EQ(nlohmann::json::parse(StatusJson(0)),
            nlohmann::json::parse(R"({"metadata":{},"status":"Success"})"));
  const auto failed = nlohmann::json::parse(StatusJson(42));
  EXPECT_EQ(failed["status"], "Failure");
  EXPECT_EQ(failed["reason"], "NonZeroExitCode");
  EXPECT_EQ(failed["details"]["causes"][0]["reason"], "ExitCode");
  EXPECT_EQ(failed["details"]["causes"][0]["message"], "42");
  EXPECT_EQ(*ParseStatusJson(StatusJson(42)), 42);
  EXPECT_EQ(*ParseStatusJson(StatusJson(0)), 0);
  auto internal = ParseStatusJson(StatusJson(absl::NotFoundError("container gone")));
  ASSERT_FALSE(internal.ok());
  EXPECT_NE(internal.status().message().find("container gone"), std::string::npos);
}

TEST(RemoteCommandTest, ReportsByProtocol) {
  auto error = std::make_shared<ScriptedChannel>(std::deque<std::string>{});
  ReportResult({.protocol = CommandProtocol::kV4, .error = error}, 3);
  EXPECT_EQ(*ParseStatusJson(error->written), 3);
  EXPECT_TRUE(error->closed);
  auto old = std::make_shared<ScriptedChannel>(std::deque<std::string>{});
  ReportResult({.protocol = CommandProtocol::kV2, .error = old}, 0);
  EXPECT_EQ(old->written, "");  // success says nothing before v4
  ReportResult({.protocol = CommandProtocol::kV2, .error = old}, absl::InternalError("boom"));
  EXPECT_EQ(old->written, "boom");
}

TEST(RemoteCommandTest, ResizeEventsAcrossChunks) {
  ScriptedChannel channel({R"({"Width":80,"Hei)", R"(ght":24}{"width":100,"height":40})",
                           "not json}", R"({"Width":1,"Height":2})"});
  std::vector<std::pair<int, int>> seen;
  ReadResizeEvents(channel, [&](TerminalSize size) { seen.emplace_back(size.width, size.height); });
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{80, 24}, {100, 40}, {1, 2}}));
  EXPECT_EQ(ResizeEventJson({.width = 80, .height = 24}), R"({"Width":80,"Height":24})");
}

}  // namespace
}  // namespace crio::stream
