// The bind mounts a container gets besides the OCI defaults: the pod's /etc/hostname,
// /etc/resolv.conf, /etc/hosts and /dev/shm, then the request's own mounts (which win at
// the same destination). Absent host paths of request mounts are created as directories,
// as the kubelet expects, except those listed in `reject_if_absent`
// (absent_mount_sources_to_reject), which are an error.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "container/container.h"
#include "sandbox/sandbox.h"
#include "spec/container_spec.h"

namespace crio::container {

absl::StatusOr<std::vector<spec::Mount>> ContainerMounts(
    const ContainerRequest& request, const sandbox::Sandbox& pod,
    const std::vector<std::string>& reject_if_absent);

// The user a container's process runs as.
struct ProcessOwner {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// The image's VOLUME paths, per image_volumes: "mkdir" creates them in the rootfs (resolved
// inside it, never following links out), the directories it makes owned by `owner` as
// CRI-O makes them; "bind" adds a bind mount of a fresh directory under `volumes_dir`;
// "ignore" does nothing.
absl::StatusOr<std::vector<spec::Mount>> ImageVolumes(const std::vector<std::string>& volumes,
                                                      const std::string& mode,
                                                      const std::string& rootfs,
                                                      const std::string& volumes_dir,
                                                      ProcessOwner owner);

}  // namespace crio::container
