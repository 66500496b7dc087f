#include "sandbox/validate.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/status/statusor.h"
#include "fmt/format.h"

namespace crio::sandbox {
namespace {

constexpr size_t kMaxLabelBytes = 4096;  // key + value, as CRI-O
constexpr size_t kMaxNameBytes = 253;
constexpr size_t kMaxHostnameBytes = 64;
constexpr size_t kMaxDnsEntries = 32;
constexpr size_t kMaxEntries = 1024;  // labels, annotations, port mappings, sysctls

bool HasControlOrSpace(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

// Pod name, namespace and UID reach CNI plugins in CNI_ARGS ("K8S_POD_NAME=x;…"), where a
// ';' or '=' would add arguments of the pod's choosing.
bool InjectsCniArgs(const std::string& text) {
  return text.find_first_of(";=") != std::string::npos;
}

absl::Status CheckName(const char* field, const std::string& value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(fmt::format("PodSandboxConfig.Metadata.{} is empty", field));
  }
  if (value.size() > kMaxNameBytes || HasControlOrSpace(value) || InjectsCniArgs(value) ||
      value.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("PodSandboxConfig.Metadata.{} \"{}\" is invalid", field, value));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckLabelMap(const char* what, const std::map<std::string, std::string>& entries) {
  if (entries.size() > kMaxEntries) {
    return absl::InvalidArgumentError(fmt::format("more than {} {}", kMaxEntries, what));
  }
  for (const auto& [key, value] : entries) {
    if (key.empty()) return absl::InvalidArgumentError(fmt::format("{}: empty key", what));
    if (key.size() + value.size() > kMaxLabelBytes) {
      return absl::InvalidArgumentError(fmt::format(
          "{} \"{}\": key and value are longer than {} bytes", what, key, kMaxLabelBytes));
    }
  }
  return absl::OkStatus();
}

namespace {

// As CRI-O: what the kernel takes (sethostname(2): up to 64 bytes, e.g. "crictl_host"),
// but no whitespace or control character, which would add lines or fields to the pod's
// /etc/hostname and /etc/hosts.
absl::Status CheckHostname(const std::string& hostname) {
  const bool valid = hostname.size() <= kMaxHostnameBytes &&
                     std::none_of(hostname.begin(), hostname.end(), [](char c) {
                       const auto byte = static_cast<unsigned char>(c);
                       return byte <= ' ' || byte == 0x7f;
                     });
  if (!valid) {
    return absl::InvalidArgumentError(fmt::format("hostname \"{}\" is invalid", hostname));
  }
  return absl::OkStatus();
}

absl::Status CheckDns(const DnsConfig& dns) {
  for (const auto& [what, entries] :
       {std::pair{"servers", &dns.servers}, std::pair{"searches", &dns.searches},
        std::pair{"options", &dns.options}}) {
    if (entries->size() > kMaxDnsEntries) {
      return absl::InvalidArgumentError(
          fmt::format("DNSConfig: more than {} {}", kMaxDnsEntries, what));
    }
    for (const std::string& entry : *entries) {
      if (entry.empty() || entry.size() > kMaxNameBytes || HasControlOrSpace(entry)) {
        return absl::InvalidArgumentError(
            fmt::format("DNSConfig {}: \"{}\" is invalid", what, entry));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPorts(const std::vector<network::PortMapping>& mappings) {
  if (mappings.size() > kMaxEntries) {
    return absl::InvalidArgumentError(fmt::format("more than {} port mappings", kMaxEntries));
  }
  for (const network::PortMapping& mapping : mappings) {
    if (mapping.container_port <= 0 || mapping.container_port > 65535 || mapping.host_port < 0 ||
        mapping.host_port > 65535) {
      return absl::InvalidArgumentError(fmt::format("port mapping {}:{} is out of range",
                                                    mapping.host_port, mapping.container_port));
    }
    if (HasControlOrSpace(mapping.host_ip)) {
      return absl::InvalidArgumentError(
          fmt::format("port mapping host IP \"{}\" is invalid", mapping.host_ip));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSpec(const SandboxSpec& spec) {
  for (const auto& [field, value] :
       {std::pair{"Name", &spec.metadata.name}, std::pair{"Namespace", &spec.metadata.namespace_},
        std::pair{"Uid", &spec.metadata.uid}}) {
    if (auto checked = CheckName(field, *value); !checked.ok()) return checked;
  }
  if (auto checked = CheckLabelMap("labels", spec.labels); !checked.ok()) return checked;
  if (auto checked = CheckLabelMap("annotations", spec.annotations); !checked.ok()) return checked;
  if (auto checked = CheckHostname(spec.hostname); !checked.ok()) return checked;
  if (auto checked = CheckDns(spec.dns); !checked.ok()) return checked;
  if (auto checked = CheckPorts(spec.port_mappings); !checked.ok()) return checked;
  if (!spec.log_directory.empty() && (!spec.log_directory.starts_with('/') ||
                                      spec.log_directory.find("/../") != std::string::npos ||
                                      spec.log_directory.ends_with("/.."))) {
    return absl::InvalidArgumentError(
        fmt::format("log directory \"{}\" must be an absolute path", spec.log_directory));
  }
  // A pod's pid TARGET is taken as CRI-O takes it: no shared PID namespace (its containers
  // name their own target).
  if (spec.network_mode == NamespaceMode::kTarget || spec.ipc_mode == NamespaceMode::kTarget) {
    return absl::InvalidArgumentError(
        "namespace mode TARGET is only valid for the PID namespace");
  }
  return absl::OkStatus();
}

absl::Status ValidateCgroupParent(const std::string& parent, const std::string& cgroup_manager) {
  if (parent.empty()) return absl::OkStatus();
  const std::string base = parent.substr(parent.find_last_of('/') + 1);
  const bool slice = base.ends_with(".slice");
  if (parent.find("..") != std::string::npos || HasControlOrSpace(parent)) {
    return absl::InvalidArgumentError(fmt::format("cgroup parent \"{}\" is invalid", parent));
  }
  if (cgroup_manager == "systemd" && (!slice || parent.find('/') != std::string::npos)) {
    return absl::InvalidArgumentError(fmt::format(
        "cgroup_manager is systemd, but cgroup parent \"{}\" is not a slice (NAME.slice)", parent));
  }
  if (cgroup_manager != "systemd" && slice) {
    return absl::InvalidArgumentError(fmt::format(
        "cgroup_manager is cgroupfs, but cgroup parent \"{}\" is a systemd slice", parent));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseQuantity(const std::string& quantity) {
  static const std::pair<std::string_view, uint64_t> kSuffixes[] = {
      {"", 1},         {"k", 1000},         {"M", 1000000},      {"G", 1000000000},
      {"T", 1000000000000}, {"P", 1000000000000000}, {"E", 1000000000000000000},
      {"Ki", 1ULL << 10},   {"Mi", 1ULL << 20},      {"Gi", 1ULL << 30},
      {"Ti", 1ULL << 40},   {"Pi", 1ULL << 50},      {"Ei", 1ULL << 60}};
  const auto invalid = [&] {
    return absl::InvalidArgumentError(fmt::format(
        "quantity \"{}\": quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        quantity));
  };
  const char* end = quantity.data() + quantity.size();
  uint64_t whole = 0;
  auto [rest, error] = std::from_chars(quantity.data(), end, whole);
  if (error != std::errc() || rest == quantity.data()) return invalid();
  std::string_view fraction;  // the digits after a '.'
  if (rest != end && *rest == '.') {
    const char* digits = ++rest;
    while (rest != end && *rest >= '0' && *rest <= '9') ++rest;
    fraction = std::string_view(digits, static_cast<size_t>(rest - digits));
  }
  const std::string_view suffix(rest, static_cast<size_t>(end - rest));
  for (const auto& [name, factor] : kSuffixes) {
    if (suffix != name) continue;
    if (whole > UINT64_MAX / factor) return invalid();
    // The fraction's share of `factor`, rounded up as Kubernetes' Value() rounds.
    long double part = 0;
    long double scale = 1;
    for (const char digit : fraction) {
      scale /= 10;
      part += static_cast<long double>(digit - '0') * scale;
    }
    const auto extra = static_cast<uint64_t>(std::ceil(part * static_cast<long double>(factor)));
    if (whole * factor > UINT64_MAX - extra) return invalid();
    return whole * factor + extra;
  }
  return invalid();
}

absl::StatusOr<uint64_t> ParseBandwidth(const std::string& quantity) {
  auto parsed = ParseQuantity(quantity);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(fmt::format("bandwidth \"{}\" is not a quantity", quantity));
  }
  return parsed;
}

}  // namespace crio::sandbox
