// Unpacking one image layer (a tar stream, plain, gzip or zstd) into an empty directory
// in the form overlayfs reads: AUFS-style whiteouts (".wh.NAME") become 0:0 character
// devices, opaque markers (".wh..wh..opq") become the trusted.overlay.opaque xattr on
// their directory. Regular files, directories, symlinks, hard links, devices and FIFOs
// keep their mode, ownership, mtime and xattrs.
//
// A layer is untrusted input. Every path is resolved inside the target directory
// (openat2 RESOLVE_IN_ROOT), so neither "../" names, absolute names nor symlinked parent
// directories can place anything outside it; names with ".." components are refused
// outright, and sizes and entry counts are bounded. On error the directory holds a partial
// layer that the caller must discard.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace crio::storage {

struct UnpackLimits {
  int64_t max_entries = 1'000'000;
  int64_t max_bytes = int64_t{64} << 30;  // uncompressed content
  size_t max_name_bytes = 4096;
};

struct UnpackStats {
  int64_t entries = 0;
  int64_t bytes = 0;    // content bytes written
  std::string diff_id;  // sha256 of the uncompressed tar stream, "sha256:<hex>"
};

// Where the (compressed) layer bytes come from: fills up to `size` bytes of `buffer` and
// returns how many, 0 at the end, or an error (which UnpackLayerFrom then returns).
using LayerReader = std::function<absl::StatusOr<size_t>(char* buffer, size_t size)>;

// Unpacks the layer `read` yields into `target_dir` (which must exist and be empty), as the
// bytes arrive: a layer being downloaded is unpacked while it downloads. Compression is
// detected from the data. INVALID_ARGUMENT for hostile or malformed input.
absl::StatusOr<UnpackStats> UnpackLayerFrom(const LayerReader& read, const std::string& target_dir,
                                            const UnpackLimits& limits = {});

// The same from the layer file `archive_path`.
absl::StatusOr<UnpackStats> UnpackLayer(const std::string& archive_path,
                                        const std::string& target_dir,
                                        const UnpackLimits& limits = {});

}  // namespace crio::storage
