#include "stream/websocket.h"

#include <sys/socket.h>

#include <thread>

#include "gtest/gtest.h"
#include "stream/pumps.h"

namespace crio::stream::websocket {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values) out.push_back(static_cast<char>(value));
  return out;
}

TEST(WebSocketTest, AcceptKeyFromRfc6455) {
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketTest, FramesFromRfc6455) {
  EXPECT_EQ(EncodeFrame({.fin = true, .opcode = kText, .payload = "Hello"}, false),
            Bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}));
  std::string masked = Bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  auto frame = DecodeFrame(masked, /*from_client=*/true);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->payload, "Hello");
  EXPECT_EQ((*frame)->opcode, kText);
  EXPECT_TRUE(masked.empty());
  std::string unmasked = Bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'});
  EXPECT_FALSE(DecodeFrame(unmasked, /*from_client=*/true).ok());  // clients must mask
}

TEST(WebSocketTest, LongFramesRoundTrip) {
  for (size_t size : {125u, 126u, 65535u, 65536u, 300000u}) {
    std::string wire =
        EncodeFrame({.fin = true, .opcode = kBinary, .payload = std::string(size, 'z')}, true);
    std::string partial = wire.substr(0, wire.size() - 1);
    auto waiting = DecodeFrame(partial, true);
    ASSERT_TRUE(waiting.ok());
    EXPECT_FALSE(waiting->has_value());
    auto frame = DecodeFrame(wire, true);
    ASSERT_TRUE(frame.ok() && frame->has_value());
    EXPECT_EQ((*frame)->payload.size(), size);
  }
  std::string huge = Bytes({0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0});
  EXPECT_FALSE(DecodeFrame(huge, false).ok());
}

struct Pair {
  explicit Pair(bool base64, bool close_signal) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    server = std::make_unique<ChannelConnection>(
        sys::UniqueFd(fds[0]),
        ChannelConnection::Options{.server = true, .base64 = base64, .close_signal = close_signal});
    client = std::make_unique<ChannelConnection>(
        sys::UniqueFd(fds[1]),
        ChannelConnection::Options{
            .server = false, .base64 = base64, .close_signal = close_signal});
    server_thread = std::thread([this] { server->Run(); });
    client_thread = std::thread([this] { client->Run(); });
  }
  ~Pair() {
    client->Close();
    server->Close();
    client_thread.join();
    server_thread.join();
  }
  std::unique_ptr<ChannelConnection> server, client;
  std::thread server_thread, client_thread;
};

TEST(WebSocketTest, ChannelsWithCloseSignal) {
  Pair pair(/*base64=*/false, /*close_signal=*/true);
  pair.client->channel(0)->Write("to stdin");
  pair.client->channel(0)->CloseWrite();
  EXPECT_EQ(ReadToEnd(*pair.server->channel(0)), "to stdin");
  pair.server->channel(1)->Write("from stdout");
  pair.server->channel(1)->CloseWrite();
  EXPECT_EQ(ReadToEnd(*pair.client->channel(1)), "from stdout");
}

TEST(WebSocketTest, Base64Channels) {
  Pair pair(/*base64=*/true, /*close_signal=*/false);
  pair.server->channel(2)->Write(std::string("\x00\xff binary", 9));
  char buffer[64];
  const size_t n = pair.client->channel(2)->Read(buffer, sizeof buffer);
  EXPECT_EQ(std::string(buffer, n), std::string("\x00\xff binary", 9));
}

TEST(WebSocketTest, PeerCloseEndsReads) {
  Pair pair(false, false);
  std::thread reader([&] { EXPECT_EQ(ReadToEnd(*pair.server->channel(0)), ""); });
  pair.client->Close();
  reader.join();
}

}  // namespace
}  // namespace crio::stream::websocket
