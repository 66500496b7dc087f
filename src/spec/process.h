// The container process's parts of the OCI spec, computed from the image config, the CRI
// request and crio's configuration: argv (Kubernetes' command/args rules), environment,
// capabilities and the user. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::spec {

// Kubernetes' rules: CRI command replaces the image Entrypoint (and drops its Cmd); CRI args
// replace the image Cmd. INVALID_ARGUMENT "no command specified" when nothing is left.
absl::StatusOr<std::vector<std::string>> ResolveArgs(const std::vector<std::string>& entrypoint,
                                                     const std::vector<std::string>& cmd,
                                                     const std::vector<std::string>& command,
                                                     const std::vector<std::string>& args);

// PATH and TERM first, then `defaults` (default_env), the image's, then the request's
// (later keys replace earlier ones in place), then HOSTNAME; TERM=xterm again with a tty.
std::vector<std::string> MergeEnv(const std::vector<std::string>& defaults,
                                  const std::vector<std::string>& image,
                                  const std::vector<std::string>& request, bool tty,
                                  const std::string& hostname);

// The capability set: `defaults` (default_capabilities) unless add or drop says ALL, then
// `add`, minus `drop`; when privileged, every capability. Names with or without "CAP_", any
// case; the result is "CAP_"-prefixed, upper case, sorted. Unknown names are errors. Only
// capabilities in `host` (crio's own bounding set; empty: all) can be granted: privileged
// and ALL mean all of those, and asking for another one is an error.
absl::StatusOr<std::vector<std::string>> Capabilities(const std::vector<std::string>& defaults,
                                                      const std::vector<std::string>& add,
                                                      const std::vector<std::string>& drop,
                                                      bool privileged,
                                                      const std::vector<std::string>& host = {});

// The capabilities a bounding-set mask (/proc/self/status CapBnd) holds, "CAP_"-named.
std::vector<std::string> CapabilitiesOfMask(uint64_t mask);

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// Resolves "user", "uid", "user:group" or "uid:gid" against the image's /etc/passwd and
// /etc/group texts (either may be empty). A numeric uid absent from passwd is fine (gid 0);
// a name that is not there is an error. `run_as_group` overrides the gid; groups listing the
// user by name and `supplemental` are added (Merge policy), or only `supplemental` (Strict);
// the primary gid is always among the additional ones.
absl::StatusOr<ResolvedUser> ResolveUser(const std::string& user, const std::string& passwd,
                                         const std::string& group,
                                         std::optional<uint32_t> run_as_group,
                                         const std::vector<int64_t>& supplemental, bool strict);

}  // namespace crio::spec
