// Fakes for the pod lifecycle's seams: a PodNetwork that hands out one fixed IP and
// records calls, and a PodIsolation that pins and mounts nothing but remembers what it
// would hold. Header-only; not thread-safe (tests drive them from one thread).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "network/pod_network.h"
#include "sandbox/pod_isolation.h"

namespace crio::testing {

class FakeNetwork final : public network::PodNetwork {
 public:
  absl::StatusOr<network::AttachResult> Attach(const network::Attachment& attachment) override {
    attached.push_back(attachment);
    if (!fail_with.ok()) return fail_with;
    return network::AttachResult{.network = "fake", .ips = {"10.9.0.2"}};
  }
  absl::Status Detach(const network::Attachment& attachment) override {
    detached.push_back(attachment.pod_id);
    return detach_result;
  }
  absl::Status Check(const network::Attachment&) override { return absl::OkStatus(); }

  absl::Status fail_with;
  absl::Status detach_result;
  std::vector<network::Attachment> attached;
  std::vector<std::string> detached;
};

class FakeIsolation final : public sandbox::PodIsolation {
 public:
  absl::StatusOr<sys::PinnedNamespaces> Pin(const sys::PinRequest& request) override {
    requests.push_back(request);
    sys::PinnedNamespaces pinned;
    if (request.net) pinned.net = request.dir + "/netns/" + request.name;
    if (request.ipc) pinned.ipc = request.dir + "/ipcns/" + request.name;
    pinned.uts = request.dir + "/utsns/" + request.name;
    for (const std::string* path : {&pinned.net, &pinned.ipc, &pinned.uts}) {
      if (!path->empty()) pins.insert(*path);
    }
    return pinned;
  }
  absl::Status Unpin(const std::string& path) override {
    pins.erase(path);
    return absl::OkStatus();
  }
  absl::Status MountShm(const std::string& path, uint64_t) override {
    mounts.insert(path);
    return absl::OkStatus();
  }
  absl::Status Unmount(const std::string& path) override {
    mounts.erase(path);
    return absl::OkStatus();
  }

  std::vector<sys::PinRequest> requests;
  std::set<std::string> pins;
  std::set<std::string> mounts;
};

}  // namespace crio::testing
