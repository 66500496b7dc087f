// CpuProfiler: a sampling CPU profiler for --profile-cpu and /debug/pprof/profile (CRI-O
// writes Go's pprof CPU profile there).
//
// setitimer(ITIMER_PROF) makes the kernel send SIGPROF for every 1/hz second of CPU time
// crio uses; the thread that was running takes it, and the handler records that thread's
// name and backtrace() into a fixed ring of samples (no allocation, no lock). A drain
// thread moves the samples into counts per distinct stack every 100 ms; a full ring drops
// samples and counts them. Stop() gives the counts as folded stacks (folded_stacks.h).
// Threads that block SIGPROF are not sampled: the kernel then gives their ticks to another
// thread, whose stack they are counted under.
//
// One profile at a time in the process (the timer and the handler are process-wide); the
// SIGPROF handler stays installed after the first start, since a signal still queued would
// otherwise end crio. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "diagnostics/folded_stacks.h"

namespace crio::diagnostics {

class CpuProfiler {
 public:
  // Starts sampling at `hz` per CPU second (Go's 100 by default); FAILED_PRECONDITION
  // while another profile runs.
  static absl::StatusOr<std::unique_ptr<CpuProfiler>> Start(int hz = 100);
  ~CpuProfiler();  // stops
  CpuProfiler(const CpuProfiler&) = delete;
  CpuProfiler& operator=(const CpuProfiler&) = delete;

  // Stops sampling (once; later calls return the same counts) and returns them.
  StackCounts Stop();
  // Samples dropped because the ring was full.
  uint64_t lost() const;

 private:
  CpuProfiler() = default;
  void DrainLoop();
  void Drain() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable std::mutex mu_;
  StackCounts counts_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::condition_variable wake_;
  std::thread drainer_;
};

}  // namespace crio::diagnostics
