// Reading small files whole (configuration, policies, manifests kept on disk).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace crio {

// The content of `path`; NOT_FOUND when it does not exist, RESOURCE_EXHAUSTED when it is
// larger than `max_bytes`.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             uint64_t max_bytes = 16 << 20);

}  // namespace crio
