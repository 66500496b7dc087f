#include "stream/spdy_connection.h"

#include <sys/socket.h>

#include <future>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "stream/pumps.h"

namespace crio::stream::spdy {
namespace {

// A server and a client connected by a socket pair, each reading on its own thread.
class SpdyConnectionTest : public testing::Test {
 protected:
  // `options` for both ends, and the server's streams counted against `budget_` if set.
  void Start(std::function<void(std::shared_ptr<Stream>)> on_server_stream,
             Connection::Options options = {}) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    Connection::Options server_options = options;
    server_options.budget = budget_.get();
    server_ = std::make_unique<Connection>(sys::UniqueFd(fds[0]), Connection::Role::kServer,
                                           server_options);
    client_ =
        std::make_unique<Connection>(sys::UniqueFd(fds[1]), Connection::Role::kClient, options);
    server_thread_ = std::thread([this, on_server_stream] { server_->Run(on_server_stream); });
    client_thread_ =
        std::thread([this] { client_->Run([](std::shared_ptr<Stream> s) { s->Reset(); }); });
  }
  void TearDown() override {
    if (client_) client_->Close();
    if (server_) server_->Close();
    if (client_thread_.joinable()) client_thread_.join();
    if (server_thread_.joinable()) server_thread_.join();
    for (std::thread& worker : workers_) worker.join();
  }

  std::unique_ptr<StreamBudget> budget_;  // outlives the connections' streams
  std::unique_ptr<Connection> server_, client_;
  std::thread server_thread_, client_thread_;
  std::vector<std::thread> workers_;
};

TEST_F(SpdyConnectionTest, StreamCarriesDataBothWaysWithHeaders) {
  std::promise<std::string> type;
  Start([&](std::shared_ptr<Stream> stream) {
    type.set_value(stream->header("streamType"));
    stream->Reply();
    workers_.emplace_back([stream] {
      const std::string got = ReadToEnd(*stream);
      stream->Write("echo:" + got);
      stream->CloseWrite();
    });
  });
  auto stream = client_->Open({{"streamType", "stdin"}});
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->WaitReply(std::chrono::seconds(5)));
  EXPECT_EQ(type.get_future().get(), "stdin");
  std::string big(100 << 10, 'x');  // several frames
  ASSERT_TRUE((*stream)->Write(big));
  (*stream)->CloseWrite();
  EXPECT_EQ(ReadToEnd(**stream), "echo:" + big);
}

TEST_F(SpdyConnectionTest, StalledConsumerHoldsTheWriterBack) {
  std::promise<std::shared_ptr<Stream>> accepted;
  Start(
      [&](std::shared_ptr<Stream> stream) {
        stream->Reply();
        accepted.set_value(stream);
      },
      {.stream_buffer = 64 << 10});
  auto stream = client_->Open({{"streamType", "stdin"}});
  ASSERT_TRUE(stream.ok());
  auto server_side = accepted.get_future().get();
  std::atomic<bool> written{false};
  std::thread writer([&] {
    (*stream)->Write(std::string(16 << 20, 'y'));  // far more than every buffer on the way
    written = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(written.load());  // held back: nothing read on the other side
  server_side->StopReading();    // the consumer gives up: the rest is dropped
  writer.join();
  EXPECT_TRUE(written.load());
}

TEST_F(SpdyConnectionTest, CloseWakesBlockedReaders) {
  std::promise<std::shared_ptr<Stream>> accepted;
  Start([&](std::shared_ptr<Stream> stream) {
    stream->Reply();
    accepted.set_value(stream);
  });
  auto stream = client_->Open({{"streamType", "stdout"}});
  ASSERT_TRUE(stream.ok());
  auto server_side = accepted.get_future().get();
  std::thread reader([&] { EXPECT_EQ(ReadToEnd(*server_side), ""); });
  client_->Close();
  reader.join();
  EXPECT_FALSE(server_side->Write("late"));
}

TEST_F(SpdyConnectionTest, IdleConnectionIsClosed) {
  std::promise<std::shared_ptr<Stream>> accepted;
  Start(
      [&](std::shared_ptr<Stream> stream) {
        stream->Reply();
        accepted.set_value(stream);
      },
      {.idle_timeout = std::chrono::milliseconds(300)});
  auto stream = client_->Open({{"streamType", "stdout"}});
  ASSERT_TRUE(stream.ok());
  auto server_side = accepted.get_future().get();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ReadToEnd(*server_side), "");  // nothing was sent: the idle timeout ends it
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(server_->closed());
}

TEST_F(SpdyConnectionTest, StreamsPastTheSharedBudgetAreRefusedUntilOneCloses) {
  budget_ = std::make_unique<StreamBudget>(StreamBudget::Limits{.max_streams = 2});
  std::mutex mu;
  std::vector<std::shared_ptr<Stream>> accepted;
  Start([&](std::shared_ptr<Stream> stream) {
    {  // kept before the reply, so the test sees every stream it got an answer for
      std::lock_guard lock(mu);
      accepted.push_back(stream);
    }
    stream->Reply();
  });
  const auto open = [&] {
    auto stream = client_->Open({{"streamType", "data"}});
    EXPECT_TRUE(stream.ok());
    return (*stream)->WaitReply(std::chrono::seconds(5));
  };
  EXPECT_TRUE(open());
  EXPECT_TRUE(open());
  EXPECT_FALSE(open());  // refused (REFUSED_STREAM): the budget holds two
  EXPECT_EQ(budget_->usage().streams, 2u);
  {
    std::lock_guard lock(mu);
    accepted.front()->Reset();  // the server is done with one: its slot is free again
    accepted.erase(accepted.begin());
  }
  EXPECT_EQ(budget_->usage().streams, 1u);
  EXPECT_TRUE(open());  // the connection serves on
}

TEST_F(SpdyConnectionTest, DataPastTheSharedBudgetResetsItsStream) {
  budget_ = std::make_unique<StreamBudget>(StreamBudget::Limits{.max_bytes = 64 << 10});
  std::mutex mu;
  std::vector<std::shared_ptr<Stream>> accepted;
  Start(
      [&](std::shared_ptr<Stream> stream) {
        {  // kept (never read) before the reply lets the test body go on and end
          std::lock_guard lock(mu);
          accepted.push_back(stream);
        }
        stream->Reply();
      },
      {.stream_buffer = 1 << 20});  // the stream's own bound is not what stops it
  auto stream = client_->Open({{"streamType", "data"}});
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->WaitReply(std::chrono::seconds(5)));
  (*stream)->Write(std::string(256 << 10, 'z'));
  bool reset = false;  // the server resets the stream: later writes fail
  for (int i = 0; i < 500 && !reset; ++i) {
    reset = !(*stream)->Write("z");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(reset);
  EXPECT_LE(budget_->usage().bytes, 64u << 10);
  EXPECT_FALSE(server_->closed());  // only that stream ended
  auto next = client_->Open({{"streamType", "data"}});
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE((*next)->WaitReply(std::chrono::seconds(5)));
  {
    std::lock_guard lock(mu);
    for (auto& held : accepted) held->Reset();  // what the reset stream held was given back
  }
  // The connection's thread gives the bytes back as it handles the resets.
  for (int i = 0; i < 500 && budget_->usage().bytes != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(budget_->usage().bytes, 0u);
}

TEST_F(SpdyConnectionTest, RefusesStreamsWithTheWrongParity) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  // Both ends think they are the server: each one's streams have the wrong parity.
  Connection a{sys::UniqueFd(fds[0]), Connection::Role::kServer, {}};
  Connection b{sys::UniqueFd(fds[1]), Connection::Role::kServer, {}};
  std::atomic<int> accepted{0};
  std::thread ta([&] { a.Run([&](std::shared_ptr<Stream>) { ++accepted; }); });
  std::thread tb([&] { b.Run([&](std::shared_ptr<Stream>) { ++accepted; }); });
  auto stream = a.Open({{"streamType", "error"}});
  ASSERT_TRUE(stream.ok());
  EXPECT_FALSE((*stream)->WaitReply(std::chrono::seconds(5)));  // reset, not replied
  EXPECT_EQ(accepted.load(), 0);
  a.Close();
  b.Close();
  ta.join();
  tb.join();
}

}  // namespace
}  // namespace crio::stream::spdy
