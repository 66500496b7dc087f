// Running a helper program (a CNI plugin, a runtime's CLI) from the threaded daemon.
//
// Started through Spawn (spawn.h), so the child holds its three pipes and no other fd;
// stdin is written from a string, stdout and stderr are captured up to a bound, and the
// child is SIGKILLed and reaped when the deadline passes. The child leads its own process
// group; a timeout kills the group. Thread-safe: each call owns its child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::sys {

struct ProcessRequest {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;   // the whole environment, "KEY=value"
  std::string stdin_data;
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
  size_t max_output = 1 << 20;  // per stream; more is dropped
};

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128+signal when killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs `request` to completion. An error means it could not be started (NOT_FOUND for a
// missing binary); a non-zero exit or a timeout is a result, not an error.
absl::StatusOr<ProcessResult> RunProcess(const ProcessRequest& request);

}  // namespace crio::sys
