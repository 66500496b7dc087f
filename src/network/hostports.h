// crio's own host port mapping, as CRI-O's hostport manager (the kubelet's before it) does
// it, for CNI networks without the portmap plugin: nat rules that send a pod's host ports
// to it, and the host ports held open so that nothing else on the node takes them.
//
//   nat OUTPUT, PREROUTING: -m addrtype --dst-type LOCAL -j KUBE-HOSTPORTS
//   KUBE-HOSTPORTS: -p PROTO --dport HOST_PORT -j KUBE-HP-HASH   (one per mapping)
//   KUBE-HP-HASH:   -s POD_IP -j KUBE-MARK-MASQ (hairpin), then DNAT to POD_IP:PORT
//
// KUBE-HOSTPORTS and KUBE-MARK-MASQ are shared with the kubelet: crio makes them when
// missing and never removes them; a pod's KUBE-HP-* chains and its rules go with the pod.
// IPv4 only (iptables). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "network/pod_network.h"
#include "sys/unique_fd.h"

namespace crio::network {

struct IptablesResult {
  int exit_code = 0;  // 0: done
  std::string out;
  std::string err;
};
// Runs `iptables -w ARGS...`; an error when it could not run at all.
using IptablesRunner =
    std::function<absl::StatusOr<IptablesResult>(const std::vector<std::string>& args)>;
IptablesRunner SystemIptables();

// The nat chain of one mapping of pod `pod_id`: KUBE-HP- and 16 base32 characters of a hash.
std::string HostportChain(const std::string& pod_id, const PortMapping& mapping);

class HostPorts {
 public:
  explicit HostPorts(IptablesRunner iptables = SystemIptables(), bool hold_ports = true)
      : iptables_(std::move(iptables)), hold_ports_(hold_ports) {}

  // Maps the host ports of `mappings` (those with a host port) to `pod_ip` for pod `pod_id`
  // (`pod_name` is NAME_NAMESPACE, for the rules' comments). A host port something else holds
  // is FAILED_PRECONDITION; on any error nothing of the pod's stays.
  absl::Status Add(const std::string& pod_id, const std::string& pod_name,
                   const std::string& pod_ip, const std::vector<PortMapping>& mappings);
  // Removes what Add made for the pod; OK when there is nothing (after a restart too).
  absl::Status Remove(const std::string& pod_id, const std::vector<PortMapping>& mappings);

 private:
  absl::Status Run(const std::vector<std::string>& args);
  bool Succeeds(const std::vector<std::string>& args);
  absl::Status EnsureSharedChains();
  absl::Status RemoveLocked(const std::string& pod_id, const std::vector<PortMapping>& mappings);
  // Opens and holds the host port of `mapping`, as the kubelet does.
  absl::Status Hold(const std::string& pod_id, const PortMapping& mapping);

  const IptablesRunner iptables_;
  const bool hold_ports_;
  std::mutex mu_;  // one pod's rules at a time, and held_
  // Open host ports: (protocol, host IP, port) → socket, and the pod holding each.
  std::map<std::tuple<std::string, std::string, int32_t>, std::pair<std::string, sys::UniqueFd>>
      held_;
};

}  // namespace crio::network
