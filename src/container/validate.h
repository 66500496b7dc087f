// Checks on a CreateContainer request before anything is created. Each refusal is
// INVALID_ARGUMENT naming the field and why; nothing has changed on the host when one
// comes back. The checks are CRI-O's defences in depth: bounded labels, no privileged
// container in an unprivileged pod, no host /proc or /sys over the container's, no
// working directory under /proc (CVE-2024-21626), no silently ignored read-only request.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "container/container.h"
#include "sandbox/sandbox.h"

namespace crio::container {

// What can be checked from the request alone.
absl::Status ValidateRequest(const ContainerRequest& request);

// What depends on the pod the container joins.
absl::Status ValidateForPod(const ContainerRequest& request, const sandbox::Sandbox& pod);

// The class goresctrl's annotations under `prefix` ("rdt.resources.beta.kubernetes.io")
// give container `name`: PREFIX/container.NAME from the container's annotations, then the
// pod's, else PREFIX/pod from the pod's; empty when none.
std::string ResourceClassFromAnnotations(std::string_view prefix, const std::string& name,
                                         const std::map<std::string, std::string>& container,
                                         const std::map<std::string, std::string>& pod);

// The working directory `cwd` must be absolute and never under /proc, where a leaked fd
// (/proc/self/fd/N) would hand the process a host directory. Checked as written and, when
// `rootfs` is given, again after resolving the image's symlinks inside the rootfs.
absl::Status CheckWorkingDir(const std::string& cwd, const std::string& rootfs);

// `path` with "." and ".." resolved lexically and duplicate slashes removed ("/" for "").
std::string CleanPath(const std::string& path);

}  // namespace crio::container
