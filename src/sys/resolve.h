// Path resolution confined to a directory tree (openat2 with RESOLVE_IN_ROOT): ".." and
// absolute symlinks are resolved as if the tree were "/", so nothing inside it can point
// the caller outside it. Used for everything crio writes or reads inside image layers and
// container root filesystems.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::sys {

// Opens `path` (relative to `root_fd`) inside the tree; `flags` as for openat (O_CLOEXEC
// is added). Magic links (/proc/self/fd/…) are refused.
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags,
                                    mode_t mode = 0);

}  // namespace crio::sys
