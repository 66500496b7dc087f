// Running programs from tests: Run() waits and captures output; Spawn() starts one in the
// background with stdout/stderr appended to a file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace crio::testing {

struct RunResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in $PATH) to completion; kills it after `timeout`.
RunResult RunCommand(const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Starts argv with stdout and stderr appended to `log_path`; returns its pid (or -1).
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path);

// Waits up to `timeout` for `pid` to exit; returns its exit code, or -1 on timeout (the
// process is then still running) or abnormal exit.
int WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

// SIGKILLs and reaps `pid` if it is still running.
void KillAndReap(pid_t pid);

}  // namespace crio::testing
