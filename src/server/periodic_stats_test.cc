#include "server/periodic_stats.h"

#include <atomic>

#include "gtest/gtest.h"

namespace crio::server {
namespace {

using namespace std::chrono_literals;

// A collection that names itself by its sequence number.
PeriodicStats::Snapshot Numbered(int number) {
  PeriodicStats::Snapshot snapshot;
  snapshot.containers["c"].mutable_attributes()->set_id(std::to_string(number));
  return snapshot;
}

std::string NumberOf(const PeriodicStats& periodic) {
  auto latest = periodic.Latest();
  return latest == nullptr ? "" : latest->containers.at("c").attributes().id();
}

TEST(PeriodicStatsTest, CollectsAtOnceThenEveryPeriod) {
  std::atomic<int> collections{0};
  PeriodicStats periodic(50ms, [&] { return Numbered(++collections); });
  for (int i = 0; i < 200 && periodic.Latest() == nullptr; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_NE(periodic.Latest(), nullptr);
  const std::string first = NumberOf(periodic);
  for (int i = 0; i < 200 && NumberOf(periodic) == first; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_NE(NumberOf(periodic), first) << "a second collection replaced the first";
}

TEST(PeriodicStatsTest, ReadersKeepTheSnapshotTheyHold) {
  std::atomic<int> collections{0};
  PeriodicStats periodic(10ms, [&] { return Numbered(++collections); });
  for (int i = 0; i < 200 && periodic.Latest() == nullptr; ++i) std::this_thread::sleep_for(5ms);
  const auto held = periodic.Latest();
  ASSERT_NE(held, nullptr);
  const std::string number = held->containers.at("c").attributes().id();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(held->containers.at("c").attributes().id(), number);
}

TEST(PeriodicStatsTest, StopsPromptlyWithALongPeriod) {
  const auto start = std::chrono::steady_clock::now();
  {
    PeriodicStats periodic(std::chrono::hours(1), [] { return Numbered(1); });
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the destructor wakes the thread";
}

}  // namespace
}  // namespace crio::server
