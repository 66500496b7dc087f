// Builds image layers for tests: tar archives (optionally gzip-compressed) from a list of
// entries, written with libarchive.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace crio::testing {

struct TarEntry {
  std::string name;
  mode_t type = 0100000;  // AE_IFREG
  std::string content;    // regular files
  std::string link;       // symlink target or hard link name
  bool hardlink = false;
  mode_t mode = 0644;
  uid_t uid = 0;
  dev_t rdev = 0;  // device nodes
};

inline constexpr mode_t kTarDir = 0040000;      // AE_IFDIR
inline constexpr mode_t kTarSymlink = 0120000;  // AE_IFLNK
inline constexpr mode_t kTarFifo = 0010000;     // AE_IFIFO
inline constexpr mode_t kTarCharDevice = 0020000;  // AE_IFCHR

enum class Compression { kNone, kGzip, kZstd };

// The bytes of a tar archive holding `entries`, compressed as asked.
std::string BuildTar(const std::vector<TarEntry>& entries, Compression compression);
inline std::string BuildTar(const std::vector<TarEntry>& entries, bool gzip) {
  return BuildTar(entries, gzip ? Compression::kGzip : Compression::kNone);
}

}  // namespace crio::testing
