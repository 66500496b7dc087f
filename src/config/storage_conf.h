// containers/storage's own configuration, storage.conf, which podman, skopeo and buildah
// read: crio takes its defaults for the storage keys from it, as CRI-O does, so all of them
// share one store without repeating its location. crio.conf, its drop-ins and flags then
// override what they set.
//
//   [storage]   driver → storage_driver, graphroot → root, runroot → runroot,
//               imagestore → imagestore
//   [storage.options] additionalimagestores, [storage.options.overlay] mountopt, … →
//               storage_option ("overlay.imagestore=PATH", "overlay.mountopt=nodev", …)
//
// The file is $CONTAINERS_STORAGE_CONF when set, else /etc/containers/storage.conf; a missing
// file changes nothing.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "config/config.h"

namespace crio::config {

// Where storage.conf is read from.
std::string StorageConfPath();

// Applies the storage.conf text `text` (named `origin` in messages) to `config`. A driver
// other than overlay is an error naming it; keys crio does not act on become warnings.
absl::Status ApplyStorageConf(const std::string& text, const std::string& origin,
                              Config& config, std::vector<std::string>& warnings);

}  // namespace crio::config
