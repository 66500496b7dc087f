#include "sandbox/link_logs.h"

#include <algorithm>

#include "fmt/format.h"

namespace crio::sandbox {
namespace {

// Kubernetes' IsDNS1123Label: lower-case alphanumerics and '-', alphanumeric at both ends,
// at most 63 characters.
bool IsDns1123Label(const std::string& name) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 63 && alnum(name.front()) && alnum(name.back()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool IsPathPart(const std::string& part) {
  return !part.empty() && part != "." && part != ".." && part.find('/') == std::string::npos;
}

}  // namespace

absl::StatusOr<LinkedLogs> LinkedLogsPaths(const KubeletDirs& kubelet, const PodMetadata& pod,
                                           const std::string& volume) {
  if (!IsDns1123Label(volume)) {
    return absl::InvalidArgumentError(
        fmt::format("empty dir vol name is invalid: {:?}", volume));
  }
  for (const std::string* part : {&pod.name, &pod.namespace_, &pod.uid}) {
    if (!IsPathPart(*part)) {
      return absl::InvalidArgumentError(
          fmt::format("pod name, namespace and UID must be plain names, not {:?}", *part));
    }
  }
  LinkedLogs paths;
  paths.pod_logs = fmt::format("{}/{}_{}_{}", kubelet.pod_logs, pod.namespace_, pod.name, pod.uid);
  paths.volume =
      fmt::format("{}/{}/volumes/kubernetes.io~empty-dir/{}", kubelet.pods, pod.uid, volume);
  paths.mount_point = paths.volume + "/logs";
  return paths;
}

}  // namespace crio::sandbox
