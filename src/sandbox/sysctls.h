// Which sysctls a pod may set (CVE-2022-0811): only those its own namespaces scope, and
// each value written whole to its own key, never split into more settings.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::sandbox {

struct SysctlScope {
  bool host_network = false;
  bool host_ipc = false;
};

// Checks the pod's sysctls. Keys may be dotted or slashed (net/ipv4/ip_forward) and come
// back dotted. Allowed: kernel.sem, kernel.shm*, kernel.msg*, fs.mqueue.* (IPC namespace)
// and net.* (network namespace). Values must not carry '+', '=' or control characters.
// INVALID_ARGUMENT names the first bad one. As CRI-O, those of a namespace the pod shares
// with the host (host IPC, host network) are left out, described in `skipped`.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ValidateSysctls(
    const std::map<std::string, std::string>& sysctls, const SysctlScope& scope,
    std::vector<std::string>* skipped = nullptr);

// The `default_sysctls` ("key=value") that apply to a pod with `scope`; entries that don't
// apply to it are left out and described in `skipped`.
std::vector<std::pair<std::string, std::string>> DefaultSysctls(
    const std::vector<std::string>& defaults, const SysctlScope& scope,
    std::vector<std::string>* skipped);

}  // namespace crio::sandbox
