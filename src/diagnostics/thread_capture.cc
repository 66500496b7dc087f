#include "diagnostics/thread_capture.h"

#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>

#include "common/errno_status.h"
#include "diagnostics/signal_frames.h"
#include "fmt/format.h"

namespace crio::diagnostics {
namespace {

constexpr int kSlotFrames = kMaxFrames + kHandlerFrames;
// Few captures run at once (they are serialized); more slots only matter when handlers
// hang, which then leave their slot claimed for good.
constexpr int kSlots = 8;
// A handler that claimed its request is inside backtrace(), which takes microseconds: it
// gets this long past the caller's timeout before its slot is given up.
constexpr std::chrono::seconds kClaimGrace(1);

enum State : uint32_t { kFree = 0, kPending = 1, kClaimed = 2, kDone = 3 };

// One request. `word` holds the target thread and the state together, so a handler checks
// "pending, and for me" and claims it in one compare-and-swap: a late handler can never
// take a request meant for another thread.
struct Slot {
  std::atomic<uint64_t> word{0};
  std::atomic<uintptr_t> interrupted_pc{0};
  int depth = 0;  // written by the claimant before kDone, read after
  void* frames[kSlotFrames] = {};
};

Slot g_slots[kSlots];
std::mutex g_capture_mu;  // one capture at a time (the slots are reused)
std::once_flag g_install_once;
absl::Status g_install_status;

constexpr uint64_t Pack(pid_t tid, State state) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(tid)) << 32) | state;
}
constexpr State StateOf(uint64_t word) { return static_cast<State>(word & 0xffffffffu); }

// Runs on the target thread. Only atomics, gettid and backtrace (its unwinder library is
// loaded at install time, so it neither allocates nor takes the loader's lock here).
void OnCaptureSignal(int, siginfo_t*, void* context) {
  const int saved_errno = errno;
  const pid_t self = ::gettid();
  for (Slot& slot : g_slots) {
    uint64_t expected = Pack(self, kPending);
    if (!slot.word.compare_exchange_strong(expected, Pack(self, kClaimed),
                                           std::memory_order_acq_rel)) {
      continue;
    }
    slot.interrupted_pc.store(InterruptedPc(context), std::memory_order_relaxed);
    slot.depth = ::backtrace(slot.frames, kSlotFrames);
    slot.word.store(Pack(self, kDone), std::memory_order_release);
    break;
  }
  errno = saved_errno;
}

absl::Status Install() {
  // The first backtrace() loads libgcc_s (dlopen, malloc): never inside the handler.
  void* warm_up[4];
  ::backtrace(warm_up, 4);
  struct sigaction current {};
  if (::sigaction(ThreadCaptureSignal(), nullptr, &current) != 0) {
    return ErrnoToStatus(errno, "sigaction");
  }
  if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) {
    return absl::FailedPreconditionError(
        fmt::format("signal {} already has a handler; thread stacks cannot be captured",
                    ThreadCaptureSignal()));
  }
  struct sigaction action {};
  action.sa_sigaction = OnCaptureSignal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;  // interrupted reads and writes resume
  sigemptyset(&action.sa_mask);
  if (::sigaction(ThreadCaptureSignal(), &action, nullptr) != 0) {
    return ErrnoToStatus(errno, "sigaction");
  }
  return absl::OkStatus();
}

// A slot no handler holds. REQUIRES: g_capture_mu held.
Slot* FreeSlot() {
  for (Slot& slot : g_slots) {
    const State state = StateOf(slot.word.load(std::memory_order_acquire));
    if (state == kFree || state == kDone) return &slot;  // kDone: from an abandoned capture
  }
  return nullptr;
}

// Polls until the slot's handler finished or `deadline` passed; true when it finished.
bool WaitForState(const Slot& slot, State wanted, std::chrono::steady_clock::time_point deadline) {
  auto pause = std::chrono::microseconds(50);
  for (;;) {
    if (StateOf(slot.word.load(std::memory_order_acquire)) == wanted) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(2));
  }
}

// The frames from the interrupted one outwards (the handler's and the trampoline's dropped).
std::vector<uintptr_t> FramesOf(const Slot& slot) {
  const int first = FirstInterruptedFrame(slot.frames, slot.depth,
                                          slot.interrupted_pc.load(std::memory_order_relaxed));
  std::vector<uintptr_t> frames;
  for (int i = first; i < slot.depth && frames.size() < kMaxFrames; ++i) {
    frames.push_back(reinterpret_cast<uintptr_t>(slot.frames[i]));
  }
  return frames;
}

}  // namespace

int ThreadCaptureSignal() { return SIGRTMAX - 3; }

absl::Status InstallThreadCapture() {
  std::call_once(g_install_once, [] { g_install_status = Install(); });
  return g_install_status;
}

__attribute__((noinline)) std::vector<uintptr_t> CaptureOwnStack() {
  void* frames[kMaxFrames + 1];
  const int depth = ::backtrace(frames, kMaxFrames + 1);
  std::vector<uintptr_t> out;
  for (int i = 1; i < depth; ++i) out.push_back(reinterpret_cast<uintptr_t>(frames[i]));
  return out;
}

absl::StatusOr<std::vector<uintptr_t>> CaptureThreadStack(pid_t tid,
                                                          std::chrono::milliseconds timeout) {
  if (tid == ::gettid()) return CaptureOwnStack();
  std::lock_guard lock(g_capture_mu);
  Slot* slot = FreeSlot();
  if (slot == nullptr) {
    return absl::UnavailableError("earlier stack captures never finished; no slot is free");
  }
  slot->word.store(Pack(tid, kPending), std::memory_order_release);
  if (::tgkill(::getpid(), tid, ThreadCaptureSignal()) != 0) {
    const int error = errno;
    slot->word.store(Pack(0, kFree), std::memory_order_release);
    if (error == ESRCH) return absl::NotFoundError(fmt::format("thread {} exited", tid));
    return ErrnoToStatus(error, fmt::format("signal thread {}", tid));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!WaitForState(*slot, kDone, deadline)) {
    uint64_t pending = Pack(tid, kPending);
    if (slot->word.compare_exchange_strong(pending, Pack(0, kFree), std::memory_order_acq_rel)) {
      return absl::DeadlineExceededError(
          fmt::format("thread {} did not answer within {} ms", tid, timeout.count()));
    }
    // Claimed: the handler is running and about to finish.
    if (!WaitForState(*slot, kDone, deadline + kClaimGrace)) {
      return absl::DeadlineExceededError(
          fmt::format("thread {} started but did not finish its stack capture", tid));
    }
  }
  std::vector<uintptr_t> frames = FramesOf(*slot);
  slot->word.store(Pack(0, kFree), std::memory_order_release);
  return frames;
}

}  // namespace crio::diagnostics
