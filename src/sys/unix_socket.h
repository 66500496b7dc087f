// Unix-domain stream sockets and lock files: the raw syscalls behind crio's API socket.
//
// Every descriptor returned is O_CLOEXEC and owned by the caller.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::sys {

// Binds and listens on `path` (which must not exist), then sets its mode to `mode`.
absl::StatusOr<UniqueFd> ListenUnix(const std::string& path, mode_t mode, int backlog = 128);

// Connects to the stream socket at `path`.
absl::StatusOr<UniqueFd> ConnectUnix(const std::string& path);

// Opens (creating, 0600) and exclusively flock()s `path` without blocking. UNAVAILABLE when
// another process holds the lock. The lock lasts as long as the returned descriptor.
absl::StatusOr<UniqueFd> LockFile(const std::string& path);

// Creates `path` and missing parents with `mode` (existing dirs are left as they are).
absl::Status MakeDirs(const std::string& path, mode_t mode);

}  // namespace crio::sys
