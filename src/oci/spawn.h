// The children crio runs for containers (conmon, a runtime's exec): starting them from the
// threaded daemon with posix_spawn (no fork without exec), the child in a session of its
// own with an empty signal mask and SIGPIPE at its default, its descriptors set up by the
// caller's file actions; waiting for them; and the private dir an exec's process spec and
// pid file live in.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::oci {

// Starts argv[0] (an absolute path) with `env`; the caller still owns `actions`.
absl::StatusOr<pid_t> SpawnInSession(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env,
                                     const posix_spawn_file_actions_t& actions);

// Waits for our child `pid` up to `timeout` (negative: no limit) and reaps it; its exit
// code (128+signal when killed), or nullopt while it still runs.
std::optional<int> WaitChild(pid_t pid, std::chrono::milliseconds timeout);

// The positive pid written in `path` (a runtime's --pid-file), if any.
std::optional<pid_t> ReadPidFile(const std::string& path);

// A private temp dir holding `process_json` as process.json, for one exec; removed by
// RemoveExecDir.
absl::StatusOr<std::string> MakeExecDir(const std::string& process_json);
void RemoveExecDir(const std::string& dir);

}  // namespace crio::oci
