// The one place errno values become absl::Status codes.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace crio {

// Maps `error` (an errno value) to the matching status code, with a message
// "`what`: strerror(error)". ENOENT → NOT_FOUND, EEXIST → ALREADY_EXISTS,
// EACCES/EPERM → PERMISSION_DENIED, EINVAL → INVALID_ARGUMENT, ENOSPC → RESOURCE_EXHAUSTED,
// EAGAIN/EBUSY → UNAVAILABLE, ETIMEDOUT → DEADLINE_EXCEEDED, others → INTERNAL.
absl::Status ErrnoToStatus(int error, std::string_view what);

}  // namespace crio
