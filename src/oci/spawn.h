// For the children crio runs for containers (conmon, a runtime's exec), started by
// sys::Spawn in a session of their own: reading the pid a runtime wrote, and the private
// dir an exec's process spec and pid file live in.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace crio::oci {

// The positive pid written in `path` (a runtime's --pid-file), if any.
std::optional<pid_t> ReadPidFile(const std::string& path);

// A private temp dir holding `process_json` as process.json, for one exec; removed by
// RemoveExecDir.
absl::StatusOr<std::string> MakeExecDir(const std::string& process_json);
void RemoveExecDir(const std::string& dir);

}  // namespace crio::oci
