// The files every container of a pod shares: /etc/hostname, /etc/resolv.conf, /etc/hosts.
// Pure functions from the pod's spec (and the host's files) to their content.
#pragma once

#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace crio::sandbox {

// "NAME\n".
std::string HostnameFile(const std::string& hostname);

// From the pod's DNSConfig: "search ...", one "nameserver X" per server, "options ...";
// the host's resolv.conf (`host_resolv`) when the pod gave none.
std::string ResolvConfFile(const DnsConfig& dns, const std::string& host_resolv);

// localhost entries, then each pod IP with the pod's hostname.
std::string HostsFile(const std::string& hostname, const std::vector<std::string>& ips);

}  // namespace crio::sandbox
