#include "container/mounts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/resolve.h"
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
      {"/etc/resolv.conf",
       "bind",
       pod.resolv_path,
       {"rbind", "rprivate", "nodev", "nosuid", "noexec", access}},
      {"/etc/hosts", "bind", pod.hosts_path, {"rbind", "rprivate", access}},
      {"/dev/shm", "bind", pod.shm_path, {"rbind", "rprivate", "nosuid", "noexec", "nodev", "rw"}},
  };
  // /run/.containerenv, empty, as CRI-O (and podman) mark a container for what runs in it.
  if (!pod.run_dir.empty()) {
    const std::string marker = pod.run_dir + "/.containerenv";
    if (::access(marker.c_str(), F_OK) != 0) {
      RETURN_IF_ERROR(WriteFileAtomically(marker, "", 0644));
    }
    mounts.push_back({"/run/.containerenv", "bind", marker, {"rbind", "rprivate", access}});
  }
  // The request's mounts, shallowest first so a deeper one lands on top.
  std::vector<MountRequest> requested = request.mounts;
  std::stable_sort(requested.begin(), requested.end(), [](const auto& a, const auto& b) {
    return std::count(a.container_path.begin(), a.container_path.end(), '/') <
           std::count(b.container_path.begin(), b.container_path.end(), '/');
  });
  for (const MountRequest& mount : requested) {
    struct stat info {};
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
    mounts.push_back(
        {mount.container_path,
         "bind",
         mount.host_path,
         {"rbind", PropagationOption(mount.propagation), mount.readonly ? "ro" : "rw"}});
  }
  return mounts;
}

namespace {

// Creates `path` (absolute, inside the tree at `root_fd`) and its missing parents, those it
// makes owned by `owner`.
absl::Status MakeDirsInRoot(int root_fd, const std::string& path, ProcessOwner owner) {
  std::string prefix;
  size_t start = 1;
  while (start < path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string component = path.substr(start, end - start);
    start = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") return absl::InvalidArgumentError("volume path with \"..\": " + path);
    auto parent = prefix.empty() ? sys::OpenInRoot(root_fd, ".", O_PATH | O_DIRECTORY)
                                 : sys::OpenInRoot(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (!parent.ok()) return parent.status();
    if (::mkdirat(parent->get(), component.c_str(), 0755) == 0) {
      if (::fchownat(parent->get(), component.c_str(), owner.uid, owner.gid,
                     AT_SYMLINK_NOFOLLOW) != 0) {
        return ErrnoToStatus(errno, "chown volume " + path);
      }
    } else if (errno != EEXIST) {
      return ErrnoToStatus(errno, "create volume " + path);
    }
    prefix += (prefix.empty() ? "" : "/") + component;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<spec::Mount>> ImageVolumes(const std::vector<std::string>& volumes,
                                                      const std::string& mode,
                                                      const std::string& rootfs,
                                                      const std::string& volumes_dir,
                                                      ProcessOwner owner) {
  std::vector<spec::Mount> mounts;
  if (mode == "ignore" || volumes.empty()) return mounts;
  sys::UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoToStatus(errno, "open the rootfs " + rootfs);
  for (const std::string& volume : volumes) {
    if (!volume.starts_with('/')) continue;  // images are built with absolute volume paths
    if (mode != "bind") {
      RETURN_IF_ERROR(MakeDirsInRoot(root.get(), volume, owner));
      continue;
    }
    RETURN_IF_ERROR(MakeDirsInRoot(root.get(), volume, ProcessOwner{}));
    std::string name = volume;
    std::replace(name.begin(), name.end(), '/', '_');
    const std::string source = volumes_dir + "/" + name;
    RETURN_IF_ERROR(sys::MakeDirs(source, 0755));
    mounts.push_back({volume, "bind", source, {"rbind", "rprivate", "rw"}});
  }
  return mounts;
}

}  // namespace crio::container
