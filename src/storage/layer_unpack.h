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
//
// Decompression is hostile input too. The caller says how the layer is compressed (from its
// media type); exactly that one decompressor runs, built into libarchive: the data is never
// sniffed, so a layer cannot pick a decompressor (or an external program such as lrzip) for
// itself, and data compressed otherwise than declared is refused. Every decompressed byte
// (tar headers, content, padding, what follows the tar's end) counts against the layer's and
// the image's bound, checked as the bytes arrive, so a decompression bomb stops at the bound.
// After the tar's end-of-archive marker only zero bytes (block padding) may follow; anything
// else is refused. Unpacking also stops when the target's filesystem runs low on space.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace crio::storage {

class TarSplitRecorder;

// How a layer blob is compressed (its media type says).
enum class Compression { kNone, kGzip, kZstd };

// A bound on the decompressed bytes of all the layers of one image, which unpack in parallel.
// Thread-safe.
class ByteBudget {
 public:
  explicit ByteBudget(int64_t limit) : limit_(limit) {}
  ByteBudget(const ByteBudget&) = delete;
  ByteBudget& operator=(const ByteBudget&) = delete;

  int64_t limit() const { return limit_; }
  // Charges `bytes`; false once more than the limit has been charged in all.
  bool Charge(int64_t bytes) {
    return used_.fetch_add(bytes, std::memory_order_relaxed) + bytes <= limit_;
  }

 private:
  const int64_t limit_;
  std::atomic<int64_t> used_{0};
};

struct UnpackOptions {
  int64_t max_entries = 1'000'000;
  // Decompressed bytes of this layer: the whole tar stream, not only file content.
  int64_t max_bytes = int64_t{64} << 30;
  size_t max_name_bytes = 4096;
  // Shared with the other layers of the image being pulled; none when null.
  ByteBudget* image_budget = nullptr;
  // Unpacking stops (RESOURCE_EXHAUSTED) when the target's filesystem has less free space
  // than this: a pull must not fill the disk the node and its containers live on.
  int64_t min_free_bytes = int64_t{256} << 20;
  // A file whose owner cannot be set (EPERM, EINVAL: an id the user namespace lacks) keeps
  // the unpacker's instead of failing the layer (the overlay.ignore_chown_errors option).
  bool ignore_chown_errors = false;
};

struct UnpackStats {
  int64_t entries = 0;
  int64_t bytes = 0;      // content bytes written
  int64_t tar_bytes = 0;  // bytes of the uncompressed tar stream
  std::string diff_id;  // sha256 of the uncompressed tar stream, "sha256:<hex>"
};

// Where the (compressed) layer bytes come from: fills up to `size` bytes of `buffer` and
// returns how many, 0 at the end, or an error (which UnpackLayerFrom then returns).
using LayerReader = std::function<absl::StatusOr<size_t>(char* buffer, size_t size)>;

// Unpacks the layer `read` yields, compressed as `compression` says, into `target_dir`
// (which must exist and be empty), as the bytes arrive: a layer being downloaded is unpacked
// while it downloads. INVALID_ARGUMENT for hostile or malformed input (including data not
// compressed as declared, or non-zero data after the tar's end); RESOURCE_EXHAUSTED when a
// bound or the free space runs out. `tar_split`, when given, is fed the uncompressed stream.
absl::StatusOr<UnpackStats> UnpackLayerFrom(const LayerReader& read, Compression compression,
                                            const std::string& target_dir,
                                            const UnpackOptions& limits = {},
                                            TarSplitRecorder* tar_split = nullptr);

// The same from the layer file `archive_path`.
absl::StatusOr<UnpackStats> UnpackLayer(const std::string& archive_path, Compression compression,
                                        const std::string& target_dir,
                                        const UnpackOptions& limits = {});

}  // namespace crio::storage
