// What crio's diagnostics do in the daemon: CRI-O's profiling flags (--profile,
// --profile-port, --profile-cpu, --profile-mem, --enable-profile-unix-socket) and its
// diagnostic signals (SIGUSR1: every thread's stack to a file; SIGUSR2: give free heap back).
// See diagnostics/ for the mechanisms and crio.8 for what an operator gets.
//
// Built once by RunDaemon, used from its signal-waiting thread; the status API calls
// pprof() from its workers (PprofHandler is thread-safe).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "config/flags.h"
#include "diagnostics/cpu_profiler.h"
#include "diagnostics/pprof_handler.h"
#include "diagnostics/profile_endpoint.h"
#include "status/status_api.h"

namespace crio {

class Profiling {
 public:
  // Installs the stack capture, starts the CPU profile and the profile server as `flags`
  // ask. Errors are worded as CRI-O's and stop start-up.
  static absl::StatusOr<std::unique_ptr<Profiling>> Start(const config::ProfileFlags& flags);

  // The status API's /debug/ paths (/debug/pprof/ only with --enable-profile-unix-socket).
  status::DebugAccess StatusApiAccess();

  // SIGUSR1 and SIGUSR2; logs what was done.
  static void WriteThreadStacks();
  static void ReturnFreeHeap();

  // At shutdown, before the status API stops: ends the CPU profiles being served at once
  // and stops the profile server.
  void StopServing();
  // Then writes the --profile-cpu and --profile-mem files. An error is the exit status's,
  // as in CRI-O.
  absl::Status WriteProfiles();

 private:
  explicit Profiling(config::ProfileFlags flags) : flags_(std::move(flags)) {}

  const config::ProfileFlags flags_;
  diagnostics::PprofHandler pprof_;
  std::unique_ptr<diagnostics::CpuProfiler> cpu_;
  std::unique_ptr<diagnostics::ProfileEndpoint> endpoint_;
};

}  // namespace crio
