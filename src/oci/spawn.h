// Starting conmon or a runtime from the threaded daemon: posix_spawn (no fork without
// exec), the child in a session of its own with an empty signal mask and SIGPIPE at its
// default, its descriptors set up by the caller's file actions.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::oci {

// Starts argv[0] (an absolute path) with `env`; the caller still owns `actions`.
absl::StatusOr<pid_t> SpawnInSession(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env,
                                     const posix_spawn_file_actions_t& actions);

}  // namespace crio::oci
