// Capturing the user-space call stack of another thread of this process.
//
// A real-time signal is sent to the thread (tgkill); its handler runs on that thread and
// records backtrace() into a preallocated slot, and the caller collects the frames. The
// handler only touches atomics and the slot it claimed, so it is async-signal-safe, and the
// caller never waits longer than its timeout: a thread that never runs the handler (stopped,
// stuck in the kernel, or blocking the signal) costs one timeout and is reported without a
// stack. A handler that runs late finds its request withdrawn and does nothing.
//
// The handler and its slots are process-wide (a signal handler is): installed once, never
// removed (a signal still queued for a thread would otherwise kill crio). Thread-safe:
// captures from several threads are serialized.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::diagnostics {

// The deepest stack recorded; deeper frames (the outermost ones) are cut.
inline constexpr int kMaxFrames = 64;

// Installs the capture signal's handler. Idempotent. FAILED_PRECONDITION when the signal
// it would use already has a handler (someone else's).
absl::Status InstallThreadCapture();

// The signal the capture uses (a real-time one, past those glibc reserves).
int ThreadCaptureSignal();

// The return addresses of thread `tid`'s stack, innermost first; the first is where the
// thread was interrupted. The calling thread's own stack is taken directly.
// REQUIRES: InstallThreadCapture() succeeded (for other threads).
// NOT_FOUND when the thread is gone, DEADLINE_EXCEEDED when its handler did not run in
// `timeout`, UNAVAILABLE when every slot is held by handlers that never finished.
absl::StatusOr<std::vector<uintptr_t>> CaptureThreadStack(pid_t tid,
                                                          std::chrono::milliseconds timeout);

// The calling thread's stack, innermost first, without this function's frame.
std::vector<uintptr_t> CaptureOwnStack();

}  // namespace crio::diagnostics
