// What an OCI runtime's `--version` output says about known container breakouts.
// runc before 1.1.12 leaks a host fd into the container (CVE-2024-21626, "Leaky Vessels")
// unless the distribution backported the fix; crio refuses working directories under /proc
// whatever the runtime, but an operator should still know the runtime is exposed.
#pragma once

#include <optional>
#include <string>

namespace crio::oci {

// The warning to log for a runtime whose `--version` printed `version_output`, or nullopt
// when it is not runc, is runc 1.1.12 or newer, or is a distribution build known to carry
// the backport (Debian 12's 1.1.5+ds1-1+deb12u1 and later).
std::optional<std::string> VulnerableRuntimeWarning(const std::string& path,
                                                    const std::string& version_output);

}  // namespace crio::oci
