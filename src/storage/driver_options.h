// DriverOptions: the overlay driver's options, as containers/storage takes them from
// storage.conf ([storage.options], [storage.options.overlay]) or crio.conf's storage_option
// ("overlay.mountopt=nodev", "overlay.imagestore=/ro/store", …). Keys are those of the
// library's overlay driver, with its prefixes ("overlay.", "overlay2.", "."), case-blind;
// an unknown key is an error as the library makes it one.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::storage {

struct DriverOptions {
  // Additional image stores (imagestore / additionalimagestore): graph roots of other
  // stores, read-only to crio, whose images run without a pull.
  std::vector<std::string> additional_image_stores;
  // mountopt, split as mount(2) takes it: flags (nodev, nosuid, …) and overlayfs's own data.
  unsigned long mount_flags = 0;
  std::string mount_data;
  // ignore_chown_errors: a layer file whose owner cannot be set (a user namespace without
  // that id) keeps the unpacker's.
  bool ignore_chown_errors = false;
  // skip_mount_home: the driver's home is not made a private mount point.
  bool skip_mount_home = false;
  // The split image store (crio.conf's or storage.conf's `imagestore`, not a storage_option
  // key): another graph root that takes the images and their layers, while containers stay
  // under the graph root. Empty: one store.
  std::string image_store;
};

// Parses `options` ("KEY=VALUE" each). Options crio accepts but cannot act on (a FUSE mount
// program, quotas, a force mask) add a line to `warnings`.
absl::StatusOr<DriverOptions> ParseDriverOptions(const std::vector<std::string>& options,
                                                 std::vector<std::string>& warnings);

}  // namespace crio::storage
