#include "sandbox/pod_files.h"

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace crio::sandbox {

std::string HostnameFile(const std::string& hostname) { return hostname + "\n"; }

std::string ResolvConfFile(const DnsConfig& dns, const std::string& host_resolv) {
  if (dns.empty()) return host_resolv;
  std::string text;
  if (!dns.searches.empty()) text += fmt::format("search {}\n", fmt::join(dns.searches, " "));
  for (const std::string& server : dns.servers) text += fmt::format("nameserver {}\n", server);
  if (!dns.options.empty()) text += fmt::format("options {}\n", fmt::join(dns.options, " "));
  return text;
}

std::string HostsFile(const std::string& hostname, const std::vector<std::string>& ips) {
  std::string text =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  for (const std::string& ip : ips) text += fmt::format("{}\t{}\n", ip, hostname);
  return text;
}

}  // namespace crio::sandbox
