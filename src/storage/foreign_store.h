// Recognising a storage root that belongs to another tool. crio keeps its images in its own
// layout under `root`; CRI-O, podman, skopeo and buildah keep theirs (containers/storage)
// under /var/lib/containers/storage, which many crio.conf files name as `root`. Until crio
// reads and writes containers/storage itself, starting on such a root would mix two
// layouts in one directory, so crio refuses it and leaves every file as it found it.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace crio::storage {

// OK when `root` is absent, empty, or crio's own; FAILED_PRECONDITION naming what was found
// when it holds containers/storage data (its lock files, layers.json/images.json, the
// or layer directories without crio's images.db beside them).
absl::Status CheckNoForeignStore(const std::string& root);

}  // namespace crio::storage
