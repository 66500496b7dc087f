// Builds image layers for tests: tar archives (optionally gzip- or zstd-compressed) from a
// list of entries, written with libarchive; and hostile ones: decompression bombs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
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

// `data` compressed as asked (one gzip member or zstd frame).
std::string Compress(std::string_view data, Compression compression);

// A decompression bomb: a gzip or zstd tar holding one file, "bomb", of `zero_bytes` zeros
// (rounded up to 64 MiB; under 8 GiB, what a plain tar size field holds). It is a chain of gzip
// members (zstd frames), the 64 MiB one compressed once and repeated, so many GiB cost a few MiB
// and no time to build, and never sit in memory uncompressed; every decompressor reads such a chain
// as one stream.
std::string BuildZeroBomb(int64_t zero_bytes, Compression compression);

}  // namespace crio::testing
