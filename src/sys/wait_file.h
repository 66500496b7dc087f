// Waiting, without polling, for another process to create a file: an inotify watch on the
// file's directory, set before the first look, so a creation between the look and the wait
// is never missed. Thread-safe: each call owns its inotify fd.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace crio::sys {

// OK once `path` exists (at once if it already does); DEADLINE_EXCEEDED when `timeout`
// passes first; another error when its directory cannot be watched.
absl::Status WaitForFile(const std::string& path, std::chrono::milliseconds timeout);

}  // namespace crio::sys
