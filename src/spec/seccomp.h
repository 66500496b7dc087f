// Seccomp for containers: crio's built-in RuntimeDefault profile and Localhost profiles,
// turned into a container's OCI LinuxSeccomp JSON. Pure functions.
//
// Both are profiles in the containers seccomp format (Docker's, extended by
// containers/common): rules may hold for some capabilities or architectures only, and
// errnos may be names. One resolver turns either into the OCI form for a container, as
// CRI-O does, so the built-in profile and an operator's file follow the same rules.
//
// The built-in profile is CRI-O's default (seccomp_rules.cc): syscalls it does not name
// answer ENOSYS; dangerous ones are refused with EPERM (or EINVAL for NETLINK_AUDIT
// sockets); io_uring is not allowed, nor AF_VSOCK sockets; calls that need a capability
// (chroot, setns, new namespaces through clone/clone3/unshare...) are allowed only when the
// container has it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace crio::spec {

// This machine's architecture, named as in seccomp profiles' "arches" (Go's GOARCH: amd64,
// arm64...).
std::string_view NativeSeccompArch();

// CRI-O's default profile in the containers format, before it is resolved for a container.
const nlohmann::json& BuiltInSeccompProfile();

// `profile` (containers format) for a container with `capabilities` ("CAP_…") on `arch`:
// architectures from the archMap entry of `arch` (or "architectures"); rules kept only
// when the container has every capability and the architecture they include and none they
// exclude; errno names ("errno", "defaultErrno") as errnoRet numbers; the single-name form
// as "names"; comments dropped. INVALID_ARGUMENT names what is wrong.
absl::StatusOr<nlohmann::json> ResolveSeccompProfile(const nlohmann::json& profile,
                                                     const std::vector<std::string>& capabilities,
                                                     std::string_view arch = NativeSeccompArch());

// The built-in profile for a container with `capabilities`.
nlohmann::json DefaultSeccompProfile(const std::vector<std::string>& capabilities);

// A Localhost profile's JSON text, resolved for a container with `capabilities`.
absl::StatusOr<nlohmann::json> ParseSeccompProfile(const std::string& text,
                                                   const std::vector<std::string>& capabilities);

}  // namespace crio::spec
