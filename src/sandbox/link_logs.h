// CRI-O's log linking: a pod annotated io.kubernetes.cri-o.LinkLogs = VOLUME (where
// allowed_annotations lets it) gets the kubelet's log directory of the pod bind-mounted at
// logs/ in its emptyDir VOLUME, and each of its containers a symlink there, named by the
// container's ID, to its log (NAME/ATTEMPT.log), so a container that mounts the volume reads
// the pod's logs. Paths only; Sandboxes does the mounting. Pure functions.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "sandbox/sandbox.h"

namespace crio::sandbox {

inline constexpr char kLinkLogsAnnotation[] = "io.kubernetes.cri-o.LinkLogs";

// Where the kubelet keeps pods' volumes and logs.
struct KubeletDirs {
  std::string pods = "/var/lib/kubelet/pods";
  std::string pod_logs = "/var/log/pods";
};

struct LinkedLogs {
  std::string pod_logs;    // POD_LOGS/NAMESPACE_NAME_UID
  std::string volume;      // PODS/UID/volumes/kubernetes.io~empty-dir/VOLUME
  std::string mount_point;  // VOLUME's logs/
};

// The paths for `pod` and `volume`. INVALID_ARGUMENT when `volume` is no DNS-1123 label (as
// CRI-O checks it) or the pod's name, namespace or UID could leave their directories.
absl::StatusOr<LinkedLogs> LinkedLogsPaths(const KubeletDirs& kubelet, const PodMetadata& pod,
                                           const std::string& volume);

}  // namespace crio::sandbox
