#include "container/mounts.h"

#include <sys/stat.h>

#include <algorithm>

#include "common/errno_status.h"
#include "sys/unix_socket.h"

namespace crio::container {
namespace {

std::string PropagationOption(Propagation propagation) {
  switch (propagation) {
    case Propagation::kHostToContainer:
      return "rslave";
    case Propagation::kBidirectional:
      return "rshared";
    default:
      return "rprivate";
  }
}

}  // namespace

absl::StatusOr<std::vector<spec::Mount>> ContainerMounts(
    const ContainerRequest& request, const sandbox::Sandbox& pod,
    const std::vector<std::string>& reject_if_absent) {
  const std::string access = request.readonly_rootfs ? "ro" : "rw";
  std::vector<spec::Mount> mounts = {
      {"/etc/hostname", "bind", pod.hostname_path, {"rbind", "rprivate", access}},
      {"/etc/resolv.conf", "bind", pod.resolv_path,
       {"rbind", "rprivate", "nodev", "nosuid", "noexec", access}},
      {"/etc/hosts", "bind", pod.hosts_path, {"rbind", "rprivate", access}},
      {"/dev/shm", "bind", pod.shm_path, {"rbind", "rprivate", "nosuid", "noexec", "nodev", "rw"}},
  };
  // The request's mounts, shallowest first so a deeper one lands on top.
  std::vector<MountRequest> requested = request.mounts;
  std::stable_sort(requested.begin(), requested.end(), [](const auto& a, const auto& b) {
    return std::count(a.container_path.begin(), a.container_path.end(), '/') <
           std::count(b.container_path.begin(), b.container_path.end(), '/');
  });
  for (const MountRequest& mount : requested) {
    struct stat info{};
    if (::stat(mount.host_path.c_str(), &info) != 0) {
      if (errno != ENOENT) return ErrnoToStatus(errno, "mount source " + mount.host_path);
      if (std::find(reject_if_absent.begin(), reject_if_absent.end(), mount.host_path) !=
          reject_if_absent.end()) {
        return absl::InvalidArgumentError(
            "mount source " + mount.host_path +
            " does not exist and is listed in absent_mount_sources_to_reject");
      }
      if (auto made = sys::MakeDirs(mount.host_path, 0755); !made.ok()) return made;
    }
    std::erase_if(mounts, [&](const spec::Mount& existing) {
      return existing.destination == mount.container_path;
    });
    mounts.push_back({mount.container_path,
                      "bind",
                      mount.host_path,
                      {"rbind", PropagationOption(mount.propagation),
                       mount.readonly ? "ro" : "rw"}});
  }
  return mounts;
}

}  // namespace crio::container
