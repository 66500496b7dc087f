// TarSplitRecorder: records the parts of a layer's tar stream that unpacking throws away, in
// containers/storage's tar-split form, so the exact tar (and so its diff ID) can be rebuilt
// later from the unpacked files: `podman save`, `podman push` and `skopeo copy
// containers-storage:…` read it from overlay-layers/<layer id>.tar-split.gz.
//
// The file is gzip'd JSON lines, one entry each, numbered by "position" from 0:
//   {"type":2,"payload":"<base64 raw bytes>","position":N}       a segment: header blocks
//                                    (with PAX/GNU long-name records), padding, the archive's end
//   {"type":1,"name":"./etc/hello","size":6,"payload":"<base64 of the 8-byte CRC-64/ISO of
//    the content>","position":N}                                  one entry's content, whose bytes
//                                    are read back from the unpacked file of that name
// An entry without content (a directory, a link, an empty file) has "payload":null and no
// "size". Concatenating each segment's bytes and each file entry's content, in order,
// reproduces the tar stream byte for byte.
//
// Headers are read as Go's archive/tar reads them, and the stream is cut where Go's tar-split
// cuts it: each entry's segment holds everything since the previous entry's content (its
// padding, PAX and GNU long-name headers with their data, the entry's own header); a PAX global
// header is an entry of its own; what follows the end-of-archive marker is kept in segments of
// at most 1 MiB, and the file ends with an empty segment.
//
// While it parses the headers it also collects the uids and gids the layer's entries own
// (containers/storage's "uidset"/"gidset", which leave whiteouts out).
//
// Feed it every decompressed byte in order; content is checksummed as it passes, never kept,
// so memory stays bounded whatever the layer's size (save the compressed output). It never
// fails on what it does not understand (the unpacker is the judge of a tar's validity): past a
// header it cannot parse (or a sparse file's), the rest of the stream is kept as raw segments.
// Only a stream that ends inside an entry's content cannot be recorded. Not thread-safe; one
// per layer.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace crio::storage {

class TarSplitRecorder {
 public:
  TarSplitRecorder();
  ~TarSplitRecorder();
  TarSplitRecorder(const TarSplitRecorder&) = delete;
  TarSplitRecorder& operator=(const TarSplitRecorder&) = delete;

  // The next decompressed bytes of the tar stream.
  void Feed(std::string_view bytes);
  // Ends the stream; returns the gzip'd JSON lines. INVALID_ARGUMENT when the stream ended
  // inside an entry's content. The recorder is spent afterwards (Feed does nothing).
  absl::StatusOr<std::string> Finish();

  const std::set<uint32_t>& uids() const;
  const std::set<uint32_t>& gids() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Rebuilds a layer's tar stream from its tar-split (the gzip'd JSON lines Finish returned) and
// the files under its diff dir, a piece at a time, so a layer of any size is read back in
// bounded memory; each file is checked against its recorded size and CRC-64 as it is read.
// `crio check` digests layers this way. Not thread-safe; one per stream.
class TarRebuilder {
 public:
  static absl::StatusOr<std::unique_ptr<TarRebuilder>> Open(std::string_view tar_split,
                                                            const std::string& diff_dir);
  ~TarRebuilder();
  TarRebuilder(const TarRebuilder&) = delete;
  TarRebuilder& operator=(const TarRebuilder&) = delete;

  // The next bytes of the stream, valid until the next call; empty at its end. DATA_LOSS
  // when a file does not match its record, NOT_FOUND when it is missing.
  absl::StatusOr<std::string_view> Next();

 private:
  struct State;
  explicit TarRebuilder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The whole tar stream TarRebuilder rebuilds; for tests.
absl::StatusOr<std::string> RebuildTar(std::string_view tar_split, const std::string& diff_dir);

}  // namespace crio::storage
