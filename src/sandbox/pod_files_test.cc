#include "sandbox/pod_files.h"

#include "gtest/gtest.h"

namespace crio::sandbox {
namespace {

TEST(PodFilesTest, ResolvConfFromDnsConfig) {
  const DnsConfig dns{.servers = {"10.96.0.10", "8.8.8.8"},
                      .searches = {"default.svc.cluster.local", "svc.cluster.local"},
                      .options = {"ndots:5", "edns0"}};
  EXPECT_EQ(ResolvConfFile(dns, "nameserver 1.1.1.1\n"),
            "search default.svc.cluster.local svc.cluster.local\n"
            "nameserver 10.96.0.10\nnameserver 8.8.8.8\n"
            "options ndots:5 edns0\n");
}

TEST(PodFilesTest, ResolvConfFallsBackToTheHosts) {
  EXPECT_EQ(ResolvConfFile({}, "nameserver 1.1.1.1\n"), "nameserver 1.1.1.1\n");
}

TEST(PodFilesTest, HostsNamesThePodIps) {
  const std::string hosts = HostsFile("web-0", {"10.85.0.4", "fd00::4"});
  EXPECT_TRUE(hosts.starts_with("127.0.0.1\tlocalhost\n"));
  EXPECT_NE(hosts.find("\n10.85.0.4\tweb-0\nfd00::4\tweb-0\n"), std::string::npos);
}

TEST(PodFilesTest, Hostname) { EXPECT_EQ(HostnameFile("web-0"), "web-0\n"); }

}  // namespace
}  // namespace crio::sandbox
