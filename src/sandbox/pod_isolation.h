// PodIsolation: the kernel objects a pod owns outside any container (pinned namespaces,
// the /dev/shm tmpfs, bind mounts, the cgroup of a pod without an infra container), behind
// an interface so the lifecycle can be unit-tested without root. KernelPodIsolation does the
// real system calls (sys/namespaces.h, sys/mounts.h, sys/cgroups.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sys/namespaces.h"

namespace crio::sandbox {

class PodIsolation {
 public:
  virtual ~PodIsolation() = default;
  virtual absl::StatusOr<sys::PinnedNamespaces> Pin(const sys::PinRequest& request) = 0;
  // OK when already gone.
  virtual absl::Status Unpin(const std::string& path) = 0;
  virtual absl::Status MountShm(const std::string& path, uint64_t size_bytes) = 0;
  // Bind-mounts the directory `source` at the existing directory `target`.
  virtual absl::Status BindMount(const std::string& source, const std::string& target) = 0;
  // OK when nothing is mounted there.
  virtual absl::Status Unmount(const std::string& path) = 0;
  // The pins under `dir` (DIR/{net,ipc,uts}ns/NAME), whoever made them.
  virtual std::vector<std::string> ListPins(const std::string& dir) = 0;
  // Whether `path` still pins a namespace.
  virtual bool IsPinned(const std::string& path) = 0;
  // The empty cgroup at `path` (below each hierarchy's root) that stands for a pod without
  // an infra container; OK when there already.
  virtual absl::Status MakePodCgroup(const std::string& path) = 0;
  // OK when already gone.
  virtual absl::Status RemovePodCgroup(const std::string& path) = 0;
};

class KernelPodIsolation final : public PodIsolation {
 public:
  absl::StatusOr<sys::PinnedNamespaces> Pin(const sys::PinRequest& request) override;
  absl::Status Unpin(const std::string& path) override;
  absl::Status MountShm(const std::string& path, uint64_t size_bytes) override;
  absl::Status BindMount(const std::string& source, const std::string& target) override;
  absl::Status Unmount(const std::string& path) override;
  std::vector<std::string> ListPins(const std::string& dir) override;
  bool IsPinned(const std::string& path) override;
  absl::Status MakePodCgroup(const std::string& path) override;
  absl::Status RemovePodCgroup(const std::string& path) override;
};

}  // namespace crio::sandbox
