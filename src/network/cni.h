// CniPodNetwork: PodNetwork by running CNI plugins, per the CNI 1.x spec.
//
// Attach runs ADD through the chosen network's plugin chain (cni_config.h picks it), each
// plugin getting the previous one's result as prevResult and the runtimeConfig entries its
// `capabilities` ask for (portMappings, bandwidth, ipRanges, cgroupPath). The final result
// and the exact configuration used are cached, libcni's way, in
// CACHE_DIR/results/NETWORK-PODID-IFNAME, so Detach (DEL, in reverse order) and Check
// (CHECK, skipped when the list sets disableCheck) act on what was attached even if the
// configuration changed since. A failed ADD is undone with DEL before the error returns. Plugins
// run through sys::RunProcess with one deadline per operation. Thread-safe: no state besides the
// files.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "network/pod_network.h"

namespace crio::network {

struct CniOptions {
  std::string network_dir;
  std::vector<std::string> plugin_dirs;
  std::string default_network;
  std::string cache_dir = "/var/lib/cni";
  std::chrono::milliseconds timeout = std::chrono::minutes(5);  // per operation
};

class CniPodNetwork final : public PodNetwork {
 public:
  explicit CniPodNetwork(CniOptions options) : options_(std::move(options)) {}

  absl::StatusOr<AttachResult> Attach(const Attachment& attachment) override;
  absl::Status Detach(const Attachment& attachment) override;
  absl::Status Check(const Attachment& attachment) override;
  std::vector<Attachment> Recorded() const override;

 private:
  const CniOptions options_;
};

}  // namespace crio::network
