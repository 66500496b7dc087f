#include "diagnostics/cpu_profiler.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/errno_status.h"
#include "diagnostics/signal_frames.h"
#include "diagnostics/thread_capture.h"
#include "fmt/format.h"

namespace crio::diagnostics {
namespace {

// At 100 Hz on every core of a large host this is drained long before it fills.
constexpr int kRingSize = 512;
constexpr int kSampleFrames = kMaxFrames + kHandlerFrames;
// Distinct stacks kept; samples of further new stacks are counted as lost.
constexpr size_t kMaxStacks = 50'000;
constexpr auto kDrainPeriod = std::chrono::milliseconds(100);

enum SampleState : int { kEmpty = 0, kWriting = 1, kFull = 2 };

struct RingSample {
  std::atomic<int> state{kEmpty};
  int depth = 0;
  uintptr_t pc = 0;
  char thread[16] = {};
  void* frames[kSampleFrames] = {};
};

// Process-wide, as SIGPROF is; never freed, so a handler running late writes valid memory.
RingSample g_ring[kRingSize];
std::atomic<uint32_t> g_next{0};
std::atomic<bool> g_sampling{false};
std::atomic<uint64_t> g_lost{0};
std::atomic<bool> g_profile_running{false};
std::once_flag g_handler_once;
absl::Status g_handler_status;

// Runs on whichever thread used the CPU tick: atomics, prctl and backtrace() only.
void OnSigprof(int, siginfo_t*, void* context) {
  if (!g_sampling.load(std::memory_order_relaxed)) return;
  const int saved_errno = errno;
  RingSample& sample = g_ring[g_next.fetch_add(1, std::memory_order_relaxed) % kRingSize];
  int expected = kEmpty;
  if (sample.state.compare_exchange_strong(expected, kWriting, std::memory_order_acquire)) {
    sample.pc = InterruptedPc(context);
    ::prctl(PR_GET_NAME, sample.thread, 0, 0, 0);
    sample.depth = ::backtrace(sample.frames, kSampleFrames);
    sample.state.store(kFull, std::memory_order_release);
  } else {
    g_lost.fetch_add(1, std::memory_order_relaxed);
  }
  errno = saved_errno;
}

absl::Status InstallSigprofHandler() {
  void* warm_up[4];
  ::backtrace(warm_up, 4);  // loads the unwinder now, not in the handler
  struct sigaction current {};
  if (::sigaction(SIGPROF, nullptr, &current) != 0) return ErrnoToStatus(errno, "sigaction");
  if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) {
    return absl::FailedPreconditionError("SIGPROF already has a handler");
  }
  struct sigaction action {};
  action.sa_sigaction = OnSigprof;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (::sigaction(SIGPROF, &action, nullptr) != 0) return ErrnoToStatus(errno, "sigaction");
  return absl::OkStatus();
}

absl::Status SetTimer(int hz) {
  const long usec = hz > 0 ? 1'000'000 / hz : 0;
  const itimerval timer{.it_interval = {.tv_sec = 0, .tv_usec = usec},
                        .it_value = {.tv_sec = 0, .tv_usec = usec}};
  if (::setitimer(ITIMER_PROF, &timer, nullptr) != 0) {
    return ErrnoToStatus(errno, "setitimer(ITIMER_PROF)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CpuProfiler>> CpuProfiler::Start(int hz) {
  if (hz < 1 || hz > 1000) return absl::InvalidArgumentError("sampling rate out of 1..1000 Hz");
  if (g_profile_running.exchange(true)) {
    return absl::FailedPreconditionError("cpu profiling already in use");
  }
  std::call_once(g_handler_once, [] { g_handler_status = InstallSigprofHandler(); });
  if (!g_handler_status.ok()) {
    g_profile_running = false;
    return g_handler_status;
  }
  for (RingSample& sample : g_ring) sample.state.store(kEmpty, std::memory_order_relaxed);
  g_lost = 0;
  std::unique_ptr<CpuProfiler> profiler(new CpuProfiler());
  try {
    profiler->drainer_ = std::thread([p = profiler.get()] { p->DrainLoop(); });
  } catch (const std::system_error& error) {
    g_profile_running = false;
    return absl::ResourceExhaustedError(fmt::format("start the sample drain: {}", error.what()));
  }
  g_sampling = true;
  if (absl::Status armed = SetTimer(hz); !armed.ok()) {
    profiler->Stop();
    return armed;
  }
  return profiler;
}

CpuProfiler::~CpuProfiler() { Stop(); }

StackCounts CpuProfiler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return counts_;
    (void)SetTimer(0);  // disarming a timer of ours cannot fail
    g_sampling = false;
    stopped_ = true;
  }
  wake_.notify_all();
  if (drainer_.joinable()) drainer_.join();
  std::lock_guard lock(mu_);
  Drain();
  g_profile_running = false;
  return counts_;
}

uint64_t CpuProfiler::lost() const { return g_lost.load(); }

void CpuProfiler::DrainLoop() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    wake_.wait_for(lock, kDrainPeriod);
    Drain();
  }
}

void CpuProfiler::Drain() {
  for (RingSample& sample : g_ring) {
    if (sample.state.load(std::memory_order_acquire) != kFull) continue;
    SampledStack stack{.thread = std::string(sample.thread, strnlen(sample.thread, 16))};
    for (int i = FirstInterruptedFrame(sample.frames, sample.depth, sample.pc);
         i < sample.depth && stack.frames.size() < kMaxFrames; ++i) {
      stack.frames.push_back(reinterpret_cast<uintptr_t>(sample.frames[i]));
    }
    sample.state.store(kEmpty, std::memory_order_release);
    if (counts_.size() >= kMaxStacks && !counts_.contains(stack)) {
      g_lost.fetch_add(1);
      continue;
    }
    ++counts_[std::move(stack)];
  }
}

}  // namespace crio::diagnostics
