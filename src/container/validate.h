// Checks on a CreateContainer request before anything is created. Each refusal is
// INVALID_ARGUMENT naming the field and why; nothing has changed on the host when one
// comes back. The checks are CRI-O's defences in depth: bounded labels, no privileged
// container in an unprivileged pod, no host /proc or /sys over the container's, no
// working directory under /proc (CVE-2024-21626), no silently ignored read-only request.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "container/container.h"
#include "sandbox/sandbox.h"

namespace crio::container {

// What can be checked from the request alone.
absl::Status ValidateRequest(const ContainerRequest& request);

// What depends on the pod the container joins.
absl::Status ValidateForPod(const ContainerRequest& request, const sandbox::Sandbox& pod);

// The working directory `cwd` must be absolute and never under /proc, where a leaked fd
// (/proc/self/fd/N) would hand the process a host directory. Checked as written and, when
// `rootfs` is given, again after resolving the image's symlinks inside the rootfs.
absl::Status CheckWorkingDir(const std::string& cwd, const std::string& rootfs);

// `path` with "." and ".." resolved lexically and duplicate slashes removed ("/" for "").
std::string CleanPath(const std::string& path);

}  // namespace crio::container
