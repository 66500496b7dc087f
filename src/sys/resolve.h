// Path resolution confined to a directory tree (openat2 with RESOLVE_IN_ROOT): ".." and
// absolute symlinks are resolved as if the tree were "/", so nothing inside it can point
// the caller outside it. Used for everything crio writes or reads inside image layers and
// container root filesystems.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::sys {

// Opens `path` (relative to `root_fd`) inside the tree; `flags` as for openat (O_CLOEXEC
// is added). Magic links (/proc/self/fd/…) are refused.
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags,
                                    mode_t mode = 0);

// The absolute path `path` names inside the tree at `root_fd` once every symlink on the way
// is resolved as the container would see it (absolute targets and ".." stay inside the
// tree). Components that do not exist are kept as written. INVALID_ARGUMENT past 40 links.
absl::StatusOr<std::string> ResolveInRoot(int root_fd, const std::string& path);

// The content of the regular file `path` inside the tree at `root_fd` (symlinks resolved
// inside the tree). The file is pinned with O_PATH and its type checked before it is
// opened for reading, so a FIFO planted by an image never blocks the reader and a device
// node is never opened: both are FAILED_PRECONDITION naming `path`. NOT_FOUND when absent,
// RESOURCE_EXHAUSTED past `max_bytes`.
absl::StatusOr<std::string> ReadFileInRoot(int root_fd, const std::string& path,
                                           uint64_t max_bytes);

// The regular file `path` inside the tree at `root_fd`, opened for reading with the same
// checks as ReadFileInRoot, for a caller that reads it a piece at a time.
absl::StatusOr<UniqueFd> OpenFileInRoot(int root_fd, const std::string& path);

}  // namespace crio::sys
