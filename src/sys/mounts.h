// Mounts crio makes outside of containers (the pod's /dev/shm). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace crio::sys {

// Mounts a tmpfs at `target` (created as a 0755 directory when absent) with `options`
// (e.g. "mode=1777,size=67108864"), nodev, nosuid and noexec.
absl::Status MountTmpfs(const std::string& target, const std::string& options);

// Bind-mounts the directory `source` at the existing directory `target`.
absl::Status BindMount(const std::string& source, const std::string& target);

// Detaches whatever is mounted at `target`; OK when nothing is (or `target` is gone).
absl::Status Unmount(const std::string& target);

// Makes `path` a mount point of its own, private (no propagation), by bind-mounting it onto
// itself unless it is one already: what containers/storage does to its driver's home.
absl::Status MakePrivateMountPoint(const std::string& path);

// Whether `path` is a mount point (its device differs from its parent's, or it is a bind).
bool IsMountPoint(const std::string& path);

// The mount points of this mount namespace at `dir` or below it, the deepest first (so they
// can be unmounted in that order).
std::vector<std::string> MountPointsUnder(const std::string& dir);

}  // namespace crio::sys
