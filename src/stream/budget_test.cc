#include "stream/budget.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "gtest/gtest.h"
#include "stream/inbound_buffer.h"

namespace crio::stream {
namespace {

using Kind = StreamBudget::Kind;

// Waits up to a few seconds for `done`.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST(StreamBudgetTest, RefusesPastEachLimitAndTakesBackOnRelease) {
  StreamBudget budget({.max_connections = 1, .max_streams = 2, .max_threads = 1});
  auto first = budget.Take(Kind::kStream);
  auto second = budget.Take(Kind::kStream);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  const auto third = budget.Take(Kind::kStream);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(third.status().message().find("too many open streams (limit 2)"), std::string::npos)
      << third.status();
  EXPECT_EQ(budget.usage().streams, 2u);
  // The other kinds have limits of their own.
  auto connection = budget.Take(Kind::kConnection);
  ASSERT_TRUE(connection.ok());
  EXPECT_FALSE(budget.Take(Kind::kConnection).ok());
  EXPECT_TRUE(budget.Take(Kind::kThread).ok());  // given back at once

  *first = StreamBudget::Lease();  // released
  EXPECT_EQ(budget.usage().streams, 1u);
  StreamBudget::Lease moved = std::move(*second);  // a move counts once
  EXPECT_EQ(budget.usage().streams, 1u);
  EXPECT_TRUE(budget.Take(Kind::kStream).ok());
  { StreamBudget::Lease gone = std::move(moved); }
  EXPECT_EQ(budget.usage().streams, 0u);
  EXPECT_EQ(budget.usage().threads, 0u);
}

TEST(StreamBudgetTest, BytesAreRefusedPastTheLimitAndGivenBack) {
  StreamBudget budget({.max_bytes = 100});
  EXPECT_TRUE(budget.TakeBytes(60));
  EXPECT_FALSE(budget.TakeBytes(41));
  EXPECT_TRUE(budget.TakeBytes(40));
  EXPECT_FALSE(budget.TakeBytes(1));
  budget.GiveBytes(100);
  EXPECT_EQ(budget.usage().bytes, 0u);
}

TEST(StreamBudgetTest, InboundBuffersShareTheBytesAndGiveThemBack) {
  StreamBudget budget({.max_bytes = 10});
  {
    InboundBuffer a(1 << 20, &budget);
    InboundBuffer b(1 << 20, &budget);
    EXPECT_TRUE(a.Deliver("123456"));
    EXPECT_FALSE(b.Deliver("12345"));  // the two together would pass 10
    EXPECT_TRUE(b.Deliver("1234"));
    EXPECT_EQ(budget.usage().bytes, 10u);
    char out[4];
    EXPECT_EQ(a.Read(out, sizeof out), 4u);  // consumed: given back
    EXPECT_EQ(budget.usage().bytes, 6u);
    b.StopReading();  // dropped: given back
    EXPECT_EQ(budget.usage().bytes, 2u);
    EXPECT_TRUE(b.Deliver("ignored"));  // after StopReading it is dropped, not counted
    EXPECT_EQ(budget.usage().bytes, 2u);
  }
  EXPECT_EQ(budget.usage().bytes, 0u);  // what `a` still held went with it
}

TEST(StreamBudgetTest, ThreadsPastTheLimitAreRefusedAndEndedOnesFreeTheirSlot) {
  StreamBudget budget({.max_threads = 1});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto running = StartThread(&budget, [released] { released.wait(); });
  ASSERT_TRUE(running.ok());
  const auto refused = StartThread(&budget, [] {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("too many open threads"), std::string::npos);
  release.set_value();
  running->join();
  EXPECT_EQ(budget.usage().threads, 0u);
  auto next = StartThread(&budget, [] {});
  ASSERT_TRUE(next.ok());
  next->join();
  auto uncounted = StartThread(nullptr, [] {});  // the client side: no budget
  ASSERT_TRUE(uncounted.ok());
  uncounted->join();
}

TEST(ThreadGroupTest, JoinsEndedThreadsAsNewOnesStart) {
  StreamBudget budget({.max_threads = 4});
  ThreadGroup group(&budget);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(group.Start([&] { ++ran; }).ok()) << i;
    ASSERT_TRUE(Eventually([&] { return budget.usage().threads == 0; }));
  }
  EXPECT_EQ(ran.load(), 100);
  EXPECT_LE(group.size(), 1u);  // the 99 before the last were joined, not kept
}

TEST(ThreadGroupTest, RefusesPastTheBudgetAndJoinsTheRestWhenDestroyed) {
  StreamBudget budget({.max_threads = 2});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    ThreadGroup group(&budget);
    EXPECT_TRUE(group.Start([released] { released.wait(); }).ok());
    EXPECT_TRUE(group.Start([released] { released.wait(); }).ok());
    EXPECT_EQ(group.Start([] {}).code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(group.size(), 2u);
    release.set_value();
  }
  EXPECT_EQ(budget.usage().threads, 0u);
}

}  // namespace
}  // namespace crio::stream
