#include "common/single_flight.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(SingleFlightTest, ConcurrentCallersShareOneRun) {
  SingleFlight<int> flight;
  std::atomic<int> runs{0};
  absl::Notification started, release;
  std::thread leader([&] {
    EXPECT_EQ(flight.Do("k",
                        [&] {
                          ++runs;
                          started.Notify();
                          release.WaitForNotification();
                          return 42;
                        }),
              42);
  });
  started.WaitForNotification();
  std::vector<std::thread> followers;
  std::atomic<int> shared_count{0};
  for (int i = 0; i < 4; ++i) {
    followers.emplace_back([&] {
      bool shared = false;
      EXPECT_EQ(flight.Do(
                    "k",
                    [&] {
                      ++runs;
                      return 0;
                    },
                    &shared),
                42);
      if (shared) ++shared_count;
    });
  }
  // Give the followers time to join the running call before it finishes.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release.Notify();
  leader.join();
  for (std::thread& follower : followers) follower.join();
  EXPECT_EQ(shared_count.load() + runs.load(), 5);
  EXPECT_GE(shared_count.load(), 1);
}

TEST(SingleFlightTest, DifferentKeysAndLaterCallsRunAgain) {
  SingleFlight<int> flight;
  int runs = 0;
  EXPECT_EQ(flight.Do("a", [&] { return ++runs; }), 1);
  EXPECT_EQ(flight.Do("a", [&] { return ++runs; }), 2);
  EXPECT_EQ(flight.Do("b", [&] { return ++runs; }), 3);
}

}  // namespace
}  // namespace crio
