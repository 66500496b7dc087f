// PodNetwork: attaching a pod's network namespace to the cluster network and detaching it.
//
// The sandbox layer depends on this interface; CniPodNetwork (cni.h) is the implementation
// that runs CNI plugins, and unit tests use a fake. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::network {

struct PortMapping {
  std::string protocol = "tcp";  // tcp, udp or sctp
  int32_t container_port = 0;
  int32_t host_port = 0;
  std::string host_ip;
};

// Traffic shaping from the kubernetes.io/ingress-bandwidth and egress-bandwidth annotations,
// in bits per second.
struct Bandwidth {
  uint64_t ingress_rate = 0;
  uint64_t egress_rate = 0;
};

struct Attachment {
  std::string pod_id;  // CNI_CONTAINERID
  std::string netns;   // CNI_NETNS: the pinned network namespace
  std::string interface = "eth0";
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
  std::vector<PortMapping> port_mappings;
  std::optional<Bandwidth> bandwidth;
  std::string cgroup_parent;
  std::string pod_cidr;  // from UpdateRuntimeConfig; offered to plugins as ipRanges
};

struct AttachResult {
  std::string network;           // the network's name
  std::vector<std::string> ips;  // addresses without prefix length, IPv4 first
};

class PodNetwork {
 public:
  virtual ~PodNetwork() = default;
  // Connects the pod; on error nothing stays attached.
  virtual absl::StatusOr<AttachResult> Attach(const Attachment& attachment) = 0;
  // Disconnects the pod using what Attach recorded; OK when it was never attached.
  virtual absl::Status Detach(const Attachment& attachment) = 0;
  // Asks the plugins whether the pod's attachment is still as they made it.
  virtual absl::Status Check(const Attachment& attachment) = 0;
  // The attachments Attach recorded and Detach has not yet removed (pod id, netns and the
  // pod's name, namespace and uid), for start-up reconciliation.
  virtual std::vector<Attachment> Recorded() const = 0;
};

}  // namespace crio::network
