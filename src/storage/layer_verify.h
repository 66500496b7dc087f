// VerifyLayer: `crio check`'s look at one image layer's files, as containers/storage's
// Store.Check looks at them:
//   - digest: the layer's tar, rebuilt from its tar-split and its diff dir (tar_split.h), has
//     the diff digest and size its record says (the library's LayerDigests check);
//   - contents: the diff dir holds exactly what that tar put there: nothing added or removed,
//     each entry of the type, size, owner, permissions and modification time the tar gives
//     it (the library's LayerContents check). The library compares the tree it sees through
//     a mount of the layer; crio compares each layer's own diff dir with that layer's tar,
//     which finds the same damage without mounting anything (and so without root). Directory
//     times are not compared: unpacking sets them before the directory's entries are made.
// Only reads; pure but for the files it reads. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crio::storage {

struct LayerVerifyRequest {
  std::string diff_dir;           // the layer's files
  std::string tar_split;          // the gzip'd tar-split (the file's content)
  std::string diff_digest;        // "sha256:…", as the layer's record has it
  int64_t diff_size = -1;         // bytes of the tar; -1 when not recorded
  bool contents = false;          // also compare the diff dir with the tar's entries
  bool ignore_ownership = false;  // the store's ignore_chown_errors: owners may differ
};

// At most this many differences of one layer's contents are reported; the rest are counted.
inline constexpr size_t kMaxContentDifferences = 20;

// What is wrong with the layer, each problem in containers/storage's words ("layer content
// incorrect digest", "-/etc/hosts, layer content modified", …); empty when it is sound.
std::vector<std::string> VerifyLayer(const LayerVerifyRequest& request);

}  // namespace crio::storage
