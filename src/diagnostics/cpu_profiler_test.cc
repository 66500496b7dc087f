#include "diagnostics/cpu_profiler.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace crio::diagnostics {

// Burns CPU until told to stop; the profile must charge its samples here.
__attribute__((noinline)) uint64_t SpinInCpuProfilerTest(const std::atomic<bool>& stop) {
  uint64_t x = 1;
  while (!stop.load(std::memory_order_relaxed)) x = x * 6364136223846793005u + 1;
  return x;
}

namespace {

TEST(CpuProfilerTest, SamplesTheThreadsUsingTheCpu) {
  auto profiler = CpuProfiler::Start(200);
  ASSERT_TRUE(profiler.ok()) << profiler.status();
  std::atomic<bool> stop{false};
  std::thread spinner([&] {
    pthread_setname_np(pthread_self(), "spinner");
    SpinInCpuProfilerTest(stop);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  stop = true;
  spinner.join();
  const StackCounts counts = (*profiler)->Stop();
  ASSERT_FALSE(counts.empty());
  const std::string folded = FoldStacks(counts, SymbolizingNamer());
  EXPECT_NE(folded.find("spinner;"), std::string::npos) << folded;
  EXPECT_NE(folded.find("crio::diagnostics::SpinInCpuProfilerTest("), std::string::npos) << folded;
}

TEST(CpuProfilerTest, OneProfileAtATime) {
  auto first = CpuProfiler::Start();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(CpuProfiler::Start().status()));
  (*first)->Stop();
  (*first)->Stop();  // idempotent
  auto second = CpuProfiler::Start();
  EXPECT_TRUE(second.ok()) << second.status();
}

TEST(CpuProfilerTest, RefusesSillyRates) {
  EXPECT_TRUE(absl::IsInvalidArgument(CpuProfiler::Start(0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(CpuProfiler::Start(100000).status()));
}

}  // namespace
}  // namespace crio::diagnostics
