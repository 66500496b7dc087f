// OverlayDirs: the overlay driver's directories under the storage root, laid out as
// containers/storage lays them out, so podman, skopeo and buildah use crio's layers and
// crio uses theirs:
//
//   ROOT/overlay/ID/diff     the layer's files (for a container's layer: its writable upper)
//   ROOT/overlay/ID/link     the layer's short name: 26 characters of [A-Z2-7]
//   ROOT/overlay/l/SHORT     -> ../ID/diff, so mount options name each layer in 28 bytes
//   ROOT/overlay/ID/lower    the layers below, nearest first: "l/SHORT1:l/SHORT2" (absent
//                            for a base layer, which has an empty ROOT/overlay/ID/empty)
//   ROOT/overlay/ID/work     overlayfs's work dir, and ROOT/overlay/ID/merged its mount point
//
// Layers of other graph roots (a split image store's other half, additional read-only image
// stores) live in the same layout under their own roots: a layer not in this home is looked
// for there, and so is a short link, as the library's driver looks (a container's layer in
// this home may stand on theirs).
//
// Thread-safe: every path belongs to one layer ID; callers keep two calls for one ID apart
// (the layer records' lock does).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::storage {

class OverlayDirs {
 public:
  // `root`: the graph root whose home this is; `other_roots`: where else layers are, in the
  // order they are looked for.
  explicit OverlayDirs(std::string root, std::vector<std::string> other_roots = {})
      : root_(std::move(root)), other_roots_(std::move(other_roots)) {}

  std::string Home() const { return root_ + "/overlay"; }
  // This store's dirs of layer `id` (where it is made, written and mounted).
  std::string LayerDir(const std::string& id) const { return Home() + "/" + id; }
  std::string DiffDir(const std::string& id) const { return LayerDir(id) + "/diff"; }
  std::string MergedDir(const std::string& id) const { return LayerDir(id) + "/merged"; }
  // Where layer `id`'s files are: this home's dir, else another root's that has it.
  std::string FoundDiffDir(const std::string& id) const { return Found(id) + "/diff"; }

  // Creates layer `id` on top of `parent` (empty for a base layer). Its files are
  // `staged_diff`, renamed into place; an empty diff dir when `staged_diff` is empty.
  // On error what was made is removed again.
  absl::Status Create(const std::string& id, const std::string& parent,
                      const std::string& staged_diff) const;
  // OK when layer `id` of this home has what mounting it needs: its diff dir, its short link
  // (leading to that diff dir), and each layer below that its `lower` names (its `empty`
  // dir when there is none); otherwise the error names what is missing. Only reads.
  absl::Status CheckMountable(const std::string& id) const;
  // Removes the layer's directories and short link; OK when they are gone.
  absl::Status Remove(const std::string& id) const;

  // Overlay mount options for layer `id`, whose diff becomes the writable upper over its
  // lower layers (named by short link, about 64 bytes a layer). RESOURCE_EXHAUSTED when
  // they do not fit the kernel's page.
  absl::StatusOr<std::string> MountOptions(const std::string& id) const;
  // The lowerdir= value for mounting over layer `top` and the layers below it: absolute
  // paths through the short links, `top` first.
  absl::StatusOr<std::string> LowerDirsOver(const std::string& top) const;

 private:
  // HOME/`name` (a layer ID, or a `lower` entry "l/SHORT"), else the first other root's
  // home that has it.
  std::string Found(const std::string& name) const;
  // `lower` ("l/A:l/B") as absolute paths.
  std::string LowerPaths(const std::string& lower) const;
  absl::StatusOr<std::string> ReadLink(const std::string& id) const;
  // The `lower` of a layer on top of `parent`: the parent's link, then the parent's lower.
  absl::StatusOr<std::string> LowerFor(const std::string& parent) const;
  absl::Status CreateDirs(const std::string& id, const std::string& parent,
                          const std::string& staged_diff) const;

  const std::string root_;
  const std::vector<std::string> other_roots_;
};

// A new random short link name.
std::string NewShortLinkName();

}  // namespace crio::storage
