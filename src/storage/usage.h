// Disk usage of a directory tree, as CRI-O reports it for ImageFsInfo: the apparent sizes
// of the entries and their count, walking without following symlinks or crossing into
// other filesystems.
#pragma once

#include <cstdint>
#include <string>

namespace crio::storage {

struct Usage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};

// Usage of everything under `dir` (the directory itself excluded). A missing directory
// uses nothing; entries that vanish or cannot be read during the walk are skipped.
Usage DirectoryUsage(const std::string& dir);

}  // namespace crio::storage
