// Fakes for the pod lifecycle's seams: a PodNetwork that hands out one fixed IP and
// records calls, and a PodIsolation that pins and mounts nothing but remembers what it
// would hold. Header-only. FakeNetwork's Attach may run on several threads (retry tests);
// the rest is driven from one thread at a time.
#pragma once

#include <algorithm>
#include <functional>
#include <mutex>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "network/pod_network.h"
#include "sandbox/pod_isolation.h"

namespace crio::testing {

class FakeNetwork final : public network::PodNetwork {
 public:
  absl::StatusOr<network::AttachResult> Attach(const network::Attachment& attachment) override {
    {
      std::lock_guard lock(mu_);
      attached.push_back(attachment);
    }
    if (on_attach) on_attach();
    if (!fail_with.ok()) return fail_with;
    return network::AttachResult{.network = "fake", .ips = {"10.9.0.2"}};
  }
  absl::Status Detach(const network::Attachment& attachment) override {
    detach_calls.push_back(attachment.pod_id);
    if (!detach_result.ok()) return detach_result;
    detached.push_back(attachment.pod_id);
    return absl::OkStatus();
  }
  absl::Status Check(const network::Attachment&) override { return absl::OkStatus(); }
  std::vector<network::Attachment> Recorded() const override {
    std::vector<network::Attachment> recorded;
    for (const network::Attachment& attachment : attached) {
      if (std::find(detached.begin(), detached.end(), attachment.pod_id) == detached.end()) {
        recorded.push_back(attachment);
      }
    }
    return recorded;
  }

  size_t attached_count() const {
    std::lock_guard lock(mu_);
    return attached.size();
  }

  absl::Status fail_with;
  absl::Status detach_result;
  std::function<void()> on_attach;  // runs inside Attach, e.g. to hold it up
  std::vector<network::Attachment> attached;
  std::vector<std::string> detached;      // successful Detach calls
  std::vector<std::string> detach_calls;  // every Detach call

 private:
  mutable std::mutex mu_;
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
  absl::Status MountShm(const std::string& path, uint64_t size_bytes) override {
    mounts.insert(path);
    shm_sizes[path] = size_bytes;
    return absl::OkStatus();
  }
  absl::Status BindMount(const std::string& source, const std::string& target) override {
    mounts.insert(target);
    binds[target] = source;
    return absl::OkStatus();
  }
  absl::Status Unmount(const std::string& path) override {
    mounts.erase(path);
    return absl::OkStatus();
  }
  bool IsPinned(const std::string& path) override { return pins.contains(path); }
  absl::Status MakePodCgroup(const std::string& path) override {
    cgroups.insert(path);
    return absl::OkStatus();
  }
  absl::Status RemovePodCgroup(const std::string& path) override {
    cgroups.erase(path);
    return absl::OkStatus();
  }
  std::vector<std::string> ListPins(const std::string& dir) override {
    std::vector<std::string> listed;
    for (const std::string& pin : pins) {
      if (pin.starts_with(dir + "/")) listed.push_back(pin);
    }
    return listed;
  }

  std::vector<sys::PinRequest> requests;
  std::set<std::string> pins;
  std::set<std::string> mounts;
  std::map<std::string, uint64_t> shm_sizes;  // by path, as last mounted
  std::set<std::string> cgroups;
  std::map<std::string, std::string> binds;  // target → source
};

}  // namespace crio::testing
