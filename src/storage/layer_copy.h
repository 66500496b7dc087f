// Copying an unpacked layer's files from one directory tree into another, exactly: file
// types, modes (setuid bits too), owners, access and modification times, extended attributes
// (overlay whiteouts are 0:0 character devices, opaque directories carry
// trusted.overlay.opaque: both are copied as they are), hard links between files of the
// layer, symlinks as they are. Symlinks are never followed: every entry is reached through
// its parent directory's descriptor, with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW.
//
// Each file is first hard-linked to the source (no data copied, the inode shared), and
// copied when that fails: across file systems or mounts link(2) fails with EXDEV, and from
// the first EXDEV on every file is copied without trying. The source is only read.
//
// security.selinux is not copied: a file takes the label of where it now lives, as a freshly
// unpacked layer does. Used for the layers of crio's old image store (legacy_import.h).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace crio::storage {

struct CopiedLayer {
  int64_t entries = 0;  // below the top directory
  int64_t linked = 0;   // of them hard-linked to the source rather than copied
  // The owners of the entries, as containers/storage's uidset and gidset count them: the
  // top directory and whiteouts left out.
  std::set<uint32_t> uids;
  std::set<uint32_t> gids;
};

// Copies what is under the directory `from` into the empty directory `to`, and `from`'s own
// owner, mode, times and xattrs onto `to`. On error `to` holds a partial copy that the caller
// removes.
absl::StatusOr<CopiedLayer> CopyLayerFiles(const std::string& from, const std::string& to);

}  // namespace crio::storage
