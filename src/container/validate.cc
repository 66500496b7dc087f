#include "container/validate.h"

#include <fcntl.h>

#include <vector>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "sandbox/validate.h"
#include "sys/resolve.h"
#include "sys/unique_fd.h"

namespace crio::container {
namespace {

bool IsUnder(const std::string& clean, const std::string& dir) {
  return clean == dir || clean.starts_with(dir + "/");
}

bool IsKernelFs(const std::string& clean) { return IsUnder(clean, "/proc") || IsUnder(clean, "/sys"); }

absl::Status CheckMounts(const ContainerRequest& request) {
  for (const MountRequest& mount : request.mounts) {
    if (!mount.container_path.starts_with('/') || !mount.host_path.starts_with('/')) {
      return absl::InvalidArgumentError(fmt::format("mount {} -> {}: both paths must be absolute",
                                                    mount.host_path, mount.container_path));
    }
    if (mount.recursive_read_only) {
      return absl::InvalidArgumentError(fmt::format(
          "mount {} -> {}: recursive read-only mounts are not supported by this runtime (the "
          "runtime status reports recursive_read_only_mounts = false); use readonly",
          mount.host_path, mount.container_path));
    }
    // The host's /proc or /sys over the container's would give it the host's view of
    // processes and kernel settings (and their writable knobs).
    if (!request.privileged && IsKernelFs(CleanPath(mount.host_path)) &&
        IsKernelFs(CleanPath(mount.container_path))) {
      return absl::InvalidArgumentError(fmt::format(
          "mount {} -> {}: an unprivileged container may not mount the host's /proc or /sys "
          "over its own",
          mount.host_path, mount.container_path));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string CleanPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string clean;
  for (const std::string& part : parts) clean += "/" + part;
  return clean.empty() ? "/" : clean;
}

absl::Status ValidateRequest(const ContainerRequest& request) {
  if (request.name.empty())
    return absl::InvalidArgumentError("ContainerConfig.Metadata.Name is empty");
  if (request.image.empty()) return absl::InvalidArgumentError("ContainerConfig.Image is empty");
  if (request.log_path.starts_with('/') || request.log_path.find("..") != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("log path \"{}\" must be relative to the pod's log directory, without \"..\"",
                    request.log_path));
  }
  RETURN_IF_ERROR(sandbox::CheckLabelMap("container labels", request.labels));
  RETURN_IF_ERROR(sandbox::CheckLabelMap("container annotations", request.annotations));
  RETURN_IF_ERROR(CheckMounts(request));
  if (request.run_as_group && !request.run_as_user && request.run_as_username.empty()) {
    return absl::InvalidArgumentError("run_as_group needs run_as_user or run_as_username");
  }
  if (!request.working_dir.empty()) RETURN_IF_ERROR(CheckWorkingDir(request.working_dir, ""));
  // HOME may end up in an /etc/passwd entry: a newline there would add a user. CRI-O also
  // refuses the two characters "\n", as its check is written (and its tests send).
  for (const std::string& env : request.env) {
    if (env.starts_with("HOME=") &&
        (env.find('\n') != std::string::npos || env.find("\\n") != std::string::npos)) {
      return absl::InvalidArgumentError("invalid HOME environment; newline not allowed");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateForPod(const ContainerRequest& request, const sandbox::Sandbox& pod) {
  if (request.privileged && !pod.spec.privileged) {
    return absl::InvalidArgumentError(fmt::format(
        "no privileged container allowed in sandbox {}: container {} asks for privileged mode but "
        "its pod does not",
        pod.id, request.name));
  }
  // crio enables no RDT (it refuses rdt_config_file where resctrl exists): a class asked for
  // is refused in CRI-O's words for a host where RDT is off.
  if (const std::string rdt_class = ResourceClassFromAnnotations(
          "rdt.resources.beta.kubernetes.io", request.name, request.annotations,
          pod.spec.annotations);
      !rdt_class.empty()) {
    return absl::FailedPreconditionError(
        fmt::format("RDT disabled, refusing to set RDT class of container \"{}\" to \"{}\"",
                    request.name, rdt_class));
  }
  return absl::OkStatus();
}

std::string ResourceClassFromAnnotations(std::string_view prefix, const std::string& name,
                                         const std::map<std::string, std::string>& container,
                                         const std::map<std::string, std::string>& pod) {
  const std::string own = fmt::format("{}/container.{}", prefix, name);
  for (const auto* annotations : {&container, &pod}) {
    if (const auto found = annotations->find(own); found != annotations->end()) {
      return found->second;
    }
  }
  const auto pod_class = pod.find(fmt::format("{}/pod", prefix));
  return pod_class != pod.end() ? pod_class->second : "";
}

absl::Status CheckWorkingDir(const std::string& cwd, const std::string& rootfs) {
  if (!cwd.starts_with('/')) {
    return absl::InvalidArgumentError(
        fmt::format("working directory \"{}\" must be an absolute path", cwd));
  }
  const auto refuse = [&cwd](const std::string& resolved) {
    return absl::InvalidArgumentError(fmt::format(
        "working directory \"{}\"{} is under /proc, where it could reach host files through "
        "leaked file descriptors (CVE-2024-21626)",
        cwd, resolved == CleanPath(cwd) ? "" : fmt::format(" (resolved to {})", resolved)));
  };
  if (IsUnder(CleanPath(cwd), "/proc")) return refuse(CleanPath(cwd));
  if (rootfs.empty()) return absl::OkStatus();
  sys::UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoToStatus(errno, "open the rootfs " + rootfs);
  ASSIGN_OR_RETURN(const std::string resolved, sys::ResolveInRoot(root.get(), cwd));
  if (IsUnder(resolved, "/proc")) return refuse(resolved);
  return absl::OkStatus();
}

}  // namespace crio::container
