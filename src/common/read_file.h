// Reading small files whole (configuration, policies, manifests kept on disk, files of an
// image's root filesystem). Only regular files are read (and the null device, as an empty
// file): a FIFO would block the reader forever and a device node would make crio (root) open
// a host device, so both are refused before a single byte is read.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio {

// The content of `path`; NOT_FOUND when it does not exist, FAILED_PRECONDITION when it is
// not a regular file, RESOURCE_EXHAUSTED when it is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             uint64_t max_bytes = 16 << 20);

// The content of the open file `fd` (read from its current offset), named `name` in errors.
// Refuses anything but a regular file, as ReadFileToString does.
absl::StatusOr<std::string> ReadFdToString(int fd, const std::string& name, uint64_t max_bytes);

// OK when `fd` is a regular file or the null device; FAILED_PRECONDITION naming `name` and
// what it is otherwise.
absl::Status RequireRegularFile(int fd, const std::string& name);

}  // namespace crio
