#include "network/hostports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/process.h"

namespace crio::network {
namespace {

constexpr char kHostportsChain[] = "KUBE-HOSTPORTS";
constexpr char kMarkMasqChain[] = "KUBE-MARK-MASQ";

bool IsIpv4(const std::string& address) {
  in_addr parsed{};
  return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

// The mappings this manager serves: a host port, and no IPv6 host address.
std::vector<PortMapping> Served(const std::vector<PortMapping>& mappings) {
  std::vector<PortMapping> served;
  for (const PortMapping& mapping : mappings) {
    if (mapping.host_port <= 0) continue;
    if (!mapping.host_ip.empty() && mapping.host_ip != "0.0.0.0" && !IsIpv4(mapping.host_ip)) {
      continue;
    }
    served.push_back(mapping);
  }
  return served;
}

// RFC 4648 base32 of `bytes`.
std::string Base32(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (const unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string HexToBytes(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

}  // namespace

IptablesRunner SystemIptables() {
  return [](const std::vector<std::string>& args) -> absl::StatusOr<IptablesResult> {
    sys::ProcessRequest request{.argv = {"/usr/sbin/iptables", "-w"},
                                .env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}};
    request.argv.insert(request.argv.end(), args.begin(), args.end());
    ASSIGN_OR_RETURN(const sys::ProcessResult result, sys::RunProcess(request));
    return IptablesResult{.exit_code = result.exit_code, .out = result.out, .err = result.err};
  };
}

std::string HostportChain(const std::string& pod_id, const PortMapping& mapping) {
  const std::string digest = Sha256Digest(
      fmt::format("{}{}{}{}", pod_id, mapping.host_port, ToUpper(mapping.protocol),
                  mapping.host_ip));
  return "KUBE-HP-" + Base32(HexToBytes(std::string_view(digest).substr(7))).substr(0, 16);
}

absl::Status HostPorts::Run(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(const IptablesResult result, iptables_(args));
  if (result.exit_code == 0) return absl::OkStatus();
  return absl::InternalError(fmt::format("iptables {}: {}", fmt::join(args, " "),
                                         TrimSpace(result.err)));
}

bool HostPorts::Succeeds(const std::vector<std::string>& args) {
  const auto result = iptables_(args);
  return result.ok() && result->exit_code == 0;
}

absl::Status HostPorts::EnsureSharedChains() {
  for (const char* chain : {kHostportsChain, kMarkMasqChain}) {
    // Made first and looked for after: the kubelet or another crio may make it at any time,
    // so a look before the making could be stale.
    if (Succeeds({"-t", "nat", "-N", chain})) continue;
    if (!Succeeds({"-t", "nat", "-L", chain, "-n"})) {
      RETURN_IF_ERROR(Run({"-t", "nat", "-N", chain}));
    }
  }
  const std::vector<std::string> jump = {"-m",         "comment", "--comment",
                                         "kube hostport portals", "-m", "addrtype",
                                         "--dst-type", "LOCAL",   "-j",
                                         kHostportsChain};
  for (const char* builtin : {"OUTPUT", "PREROUTING"}) {
    std::vector<std::string> check = {"-t", "nat", "-C", builtin};
    check.insert(check.end(), jump.begin(), jump.end());
    if (Succeeds(check)) continue;
    check[2] = "-A";
    RETURN_IF_ERROR(Run(check));
  }
  return absl::OkStatus();
}

absl::Status HostPorts::Hold(const std::string& pod_id, const PortMapping& mapping) {
  const std::string protocol = ToLower(mapping.protocol);
  if (protocol != "tcp" && protocol != "udp") return absl::OkStatus();  // as the kubelet
  const std::string host_ip = mapping.host_ip == "0.0.0.0" ? "" : mapping.host_ip;
  const auto key = std::make_tuple(protocol, host_ip, mapping.host_port);
  if (const auto held = held_.find(key); held != held_.end()) {
    if (held->second.first == pod_id) return absl::OkStatus();
  }
  const auto refused = [&](int error) {
    return absl::FailedPreconditionError(
        fmt::format("cannot open hostport {} for pod {}: {}", mapping.host_port, pod_id,
                    std::strerror(error)));
  };
  sys::UniqueFd socket(::socket(AF_INET, (protocol == "tcp" ? SOCK_STREAM : SOCK_DGRAM) |
                                             SOCK_CLOEXEC,
                                0));
  if (!socket) return refused(errno);
  const int on = 1;
  ::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(mapping.host_port));
  if (!host_ip.empty()) ::inet_pton(AF_INET, host_ip.c_str(), &address.sin_addr);
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      (protocol == "tcp" && ::listen(socket.get(), 1) != 0)) {
    return refused(errno);
  }
  held_[key] = {pod_id, std::move(socket)};
  return absl::OkStatus();
}

absl::Status HostPorts::Add(const std::string& pod_id, const std::string& pod_name,
                            const std::string& pod_ip, const std::vector<PortMapping>& mappings) {
  const std::vector<PortMapping> served = Served(mappings);
  if (served.empty()) return absl::OkStatus();
  if (!IsIpv4(pod_ip)) {
    return absl::InvalidArgumentError(
        fmt::format("host ports of pod {}: no IPv4 address to map them to", pod_name));
  }
  std::lock_guard lock(mu_);
  absl::Status added = EnsureSharedChains();
  for (const PortMapping& mapping : served) {
    if (!added.ok()) break;
    if (hold_ports_) {
      added = Hold(pod_id, mapping);
      if (!added.ok()) break;
    }
    const std::string chain = HostportChain(pod_id, mapping);
    const std::string protocol = ToLower(mapping.protocol);
    const std::string comment = fmt::format("{} hostport {}", pod_name, mapping.host_port);
    if (!Succeeds({"-t", "nat", "-N", chain})) added = Run({"-t", "nat", "-F", chain});
    if (added.ok()) {
      added = Run({"-t", "nat", "-A", chain, "-m", "comment", "--comment", comment, "-s",
                   pod_ip + "/32", "-j", kMarkMasqChain});
    }
    if (added.ok()) {
      std::vector<std::string> dnat = {"-t", "nat", "-A", chain, "-m", "comment", "--comment",
                                       comment, "-m", protocol, "-p", protocol};
      if (!mapping.host_ip.empty() && mapping.host_ip != "0.0.0.0") {
        dnat.insert(dnat.end(), {"-d", mapping.host_ip});
      }
      dnat.insert(dnat.end(), {"-j", "DNAT", "--to-destination",
                               fmt::format("{}:{}", pod_ip, mapping.container_port)});
      added = Run(dnat);
    }
    if (added.ok()) {
      added = Run({"-t", "nat", "-I", kHostportsChain, "-m", "comment", "--comment", comment,
                   "-m", protocol, "-p", protocol, "--dport", std::to_string(mapping.host_port),
                   "-j", chain});
    }
  }
  if (added.ok()) return added;
  if (auto undone = RemoveLocked(pod_id, mappings); !undone.ok()) {
    log::Warn("Pod sandbox {}: host ports not fully removed: {}", pod_id, AsStd(undone.message()));
  }
  return added;
}

absl::Status HostPorts::Remove(const std::string& pod_id,
                               const std::vector<PortMapping>& mappings) {
  std::lock_guard lock(mu_);
  return RemoveLocked(pod_id, mappings);
}

absl::Status HostPorts::RemoveLocked(const std::string& pod_id,
                                     const std::vector<PortMapping>& mappings) {
  std::erase_if(held_, [&](const auto& entry) { return entry.second.first == pod_id; });
  const std::vector<PortMapping> served = Served(mappings);
  if (served.empty()) return absl::OkStatus();
  std::vector<std::string> chains;
  for (const PortMapping& mapping : served) chains.push_back(HostportChain(pod_id, mapping));
  absl::Status removed;
  // The jumps to the pod's chains, by rule number, last first.
  if (auto listed = iptables_({"-t", "nat", "-L", kHostportsChain, "-n", "--line-numbers"});
      listed.ok() && listed->exit_code == 0) {
    std::vector<int> numbers;
    std::istringstream lines(listed->out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      int number = 0;
      std::string target;
      if (!(fields >> number >> target)) continue;
      if (std::find(chains.begin(), chains.end(), target) != chains.end()) {
        numbers.push_back(number);
      }
    }
    std::sort(numbers.rbegin(), numbers.rend());
    for (const int number : numbers) {
      removed.Update(Run({"-t", "nat", "-D", kHostportsChain, std::to_string(number)}));
    }
  }
  for (const std::string& chain : chains) {
    if (!Succeeds({"-t", "nat", "-L", chain, "-n"})) continue;  // gone already
    removed.Update(Run({"-t", "nat", "-F", chain}));
    removed.Update(Run({"-t", "nat", "-X", chain}));
  }
  return removed;
}

}  // namespace crio::network
