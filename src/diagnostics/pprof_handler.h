// The /debug/pprof/ paths, with crio's diagnostics behind Go's profile names: served on
// 127.0.0.1:--profile-port with --profile (ProfileEndpoint) and on the CRI socket's status
// API with --enable-profile-unix-socket. The answers are text, not pprof's protobuf:
//
//   /debug/pprof/             the list of these paths
//   /debug/pprof/goroutine    every thread's stack (thread_dump.h)
//   /debug/pprof/heap         memory statistics (heap_stats.h)
//   /debug/pprof/profile      CPU samples for ?seconds=N (default 30, at most 120) as folded
//                             stacks (cpu_profiler.h); 409 while another profile runs
//   /debug/pprof/cmdline      crio's arguments, NUL-separated (as Go's)
//
// Thread-safe. Shutdown() ends the CPU profiles being taken at once (their answer says
// so), so that stopping the servers never waits for a profile's seconds.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "status/http_server.h"

namespace crio::diagnostics {

class PprofHandler {
 public:
  status::HttpResponse Handle(const status::HttpRequest& request);
  void Shutdown();

 private:
  status::HttpResponse CpuProfile(std::string_view target);

  std::mutex mu_;
  std::condition_variable shutdown_cv_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

// The `seconds` query parameter of `target` for /debug/pprof/profile: 30 when absent,
// nullopt when not a whole number of 1..120.
std::optional<int> ProfileSeconds(std::string_view target);

}  // namespace crio::diagnostics
