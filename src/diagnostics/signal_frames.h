// What a signal handler needs to turn its own backtrace() into the interrupted thread's
// stack: the interrupted address, and where it appears among the frames. Both are
// async-signal-safe (they only read memory).
#pragma once

#include <ucontext.h>

#include <cstdint>

namespace crio::diagnostics {

// The handler's own frame and the kernel's signal trampoline come before the interrupted one.
inline constexpr int kHandlerFrames = 2;

// The program counter the signal interrupted, from the handler's third argument; 0 where
// this architecture is not known.
inline uintptr_t InterruptedPc(const void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return 0;
#endif
}

// The index of the interrupted frame among `depth` frames a handler's backtrace() gave:
// where `pc` appears, else past the handler's and the trampoline's frames.
inline int FirstInterruptedFrame(void* const* frames, int depth, uintptr_t pc) {
  for (int i = 0; i < depth; ++i) {
    if (reinterpret_cast<uintptr_t>(frames[i]) == pc) return i;
  }
  return depth < kHandlerFrames ? depth : kHandlerFrames;
}

}  // namespace crio::diagnostics
