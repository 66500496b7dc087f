// The bind mounts a container gets besides the OCI defaults: the pod's /etc/hostname,
// /etc/resolv.conf, /etc/hosts and /dev/shm, then the request's own mounts (which win at
// the same destination). Absent host paths of request mounts are created as directories,
// as the kubelet expects.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "container/container.h"
#include "sandbox/sandbox.h"
#include "spec/container_spec.h"

namespace crio::container {

absl::StatusOr<std::vector<spec::Mount>> ContainerMounts(const ContainerRequest& request,
                                                         const sandbox::Sandbox& pod);

}  // namespace crio::container
