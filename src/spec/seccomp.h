// Seccomp for containers: crio's built-in RuntimeDefault profile and Localhost profiles,
// as OCI LinuxSeccomp JSON.
//
// The built-in profile allows the syscalls an ordinary process needs and answers the rest
// with EPERM. Syscalls that need a capability (mount, ptrace, reboot...) are allowed only
// when the container has it; without CAP_SYS_ADMIN, clone with namespace flags and unshare
// are refused, and clone3 answers ENOSYS so libcs fall back to clone. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace crio::spec {

// The built-in profile for a container with `capabilities` ("CAP_…").
nlohmann::json DefaultSeccompProfile(const std::vector<std::string>& capabilities);

// A Localhost profile (Docker/containers seccomp JSON) as OCI LinuxSeccomp: archMap
// flattened, rules whose includes/excludes name capabilities resolved against
// `capabilities`, comments dropped. INVALID_ARGUMENT names what is wrong.
absl::StatusOr<nlohmann::json> ParseSeccompProfile(const std::string& text,
                                                   const std::vector<std::string>& capabilities);

}  // namespace crio::spec
