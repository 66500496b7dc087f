#include "network/hostports.h"

#include <algorithm>
#include <set>

#include "fmt/format.h"
#include "gtest/gtest.h"

namespace crio::network {
namespace {

// A nat table in memory, as far as HostPorts uses iptables.
class FakeNat {
 public:
  IptablesRunner Runner() {
    return [this](const std::vector<std::string>& args) -> absl::StatusOr<IptablesResult> {
      calls.push_back(fmt::format("{}", fmt::join(args, " ")));
      const std::string& op = args.at(2);
      const std::string& chain = args.at(3);
      const std::vector<std::string> rule(args.begin() + 4, args.end());
      const auto missing = [] { return IptablesResult{.exit_code = 1, .err = "No chain"}; };
      if (op == "-N") {
        if (chains.contains(chain)) return IptablesResult{.exit_code = 1};
        chains[chain];
        return IptablesResult{};
      }
      if (chain != "OUTPUT" && chain != "PREROUTING" && !chains.contains(chain)) return missing();
      auto& rules = chains[chain];
      if (op == "-L") {
        IptablesResult listed;
        for (size_t i = 0; i < rules.size(); ++i) {
          listed.out += fmt::format("{} {} all\n", i + 1, rules[i].back());
        }
        return listed;
      }
      if (op == "-C") {
        return IptablesResult{.exit_code = std::count(rules.begin(), rules.end(), rule) ? 0 : 1};
      }
      if (op == "-A") rules.push_back(rule);
      if (op == "-I") rules.insert(rules.begin(), rule);
      if (op == "-F") rules.clear();
      if (op == "-X") chains.erase(chain);
      if (op == "-D") rules.erase(rules.begin() + std::stoi(rule.at(0)) - 1);
      return IptablesResult{};
    };
  }

  std::map<std::string, std::vector<std::vector<std::string>>> chains;
  std::vector<std::string> calls;
};

const std::vector<PortMapping> kMappings = {
    {.protocol = "tcp", .container_port = 80, .host_port = 8080},
    {.protocol = "udp", .container_port = 53, .host_port = 5353},
    {.protocol = "tcp", .container_port = 81, .host_port = 0}};  // no host port: not mapped

TEST(HostportChainTest, IsKubeHpAndAHashOfThePodAndPort) {
  const std::string chain = HostportChain("pod1", kMappings[0]);
  EXPECT_EQ(chain.size(), 8u + 16u);
  EXPECT_TRUE(chain.starts_with("KUBE-HP-"));
  EXPECT_EQ(chain, HostportChain("pod1", kMappings[0]));
  EXPECT_NE(chain, HostportChain("pod2", kMappings[0]));
  EXPECT_NE(chain, HostportChain("pod1", kMappings[1]));
}

TEST(HostPortsTest, AddDnatsEachHostPortAndRemoveTakesOnlyThePods) {
  FakeNat nat;
  HostPorts hostports(nat.Runner(), /*hold_ports=*/false);
  ASSERT_TRUE(hostports.Add("pod1", "web_default", "10.88.0.5", kMappings).ok());
  ASSERT_TRUE(hostports.Add("pod2", "db_default", "10.88.0.6",
                            {{.protocol = "tcp", .container_port = 5432, .host_port = 5432}})
                  .ok());
  // The shared chains and their jumps, once.
  EXPECT_TRUE(nat.chains.contains("KUBE-MARK-MASQ"));
  EXPECT_EQ(nat.chains["OUTPUT"].size(), 1u);
  EXPECT_EQ(nat.chains["PREROUTING"].size(), 1u);
  EXPECT_EQ(nat.chains["OUTPUT"][0].back(), "KUBE-HOSTPORTS");
  EXPECT_EQ(nat.chains["KUBE-HOSTPORTS"].size(), 3u);
  const std::string chain = HostportChain("pod1", kMappings[0]);
  const auto& rules = nat.chains[chain];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(fmt::format("{}", fmt::join(rules[0], " ")),
            "-m comment --comment web_default hostport 8080 -s 10.88.0.5/32 -j KUBE-MARK-MASQ");
  EXPECT_EQ(fmt::format("{}", fmt::join(rules[1], " ")),
            "-m comment --comment web_default hostport 8080 -m tcp -p tcp -j DNAT "
            "--to-destination 10.88.0.5:80");

  ASSERT_TRUE(hostports.Remove("pod1", kMappings).ok());
  EXPECT_FALSE(nat.chains.contains(chain));
  EXPECT_FALSE(nat.chains.contains(HostportChain("pod1", kMappings[1])));
  ASSERT_EQ(nat.chains["KUBE-HOSTPORTS"].size(), 1u);
  EXPECT_EQ(nat.chains["KUBE-HOSTPORTS"][0].back(),
            HostportChain("pod2", {.protocol = "tcp", .container_port = 5432, .host_port = 5432}));
  EXPECT_TRUE(nat.chains.contains("KUBE-MARK-MASQ")) << "shared: never removed";
  EXPECT_TRUE(hostports.Remove("pod1", kMappings).ok()) << "again: nothing to do";
}

// The kubelet or another crio makes the shared chain just after crio looked for it.
TEST(HostPortsTest, ASharedChainMadeByAnotherWriterMeanwhileIsUsed) {
  FakeNat nat;
  const IptablesRunner fake = nat.Runner();
  bool looked = false;
  HostPorts hostports(
      [&](const std::vector<std::string>& args) -> absl::StatusOr<IptablesResult> {
        if (!looked && args.at(2) == "-L" && args.at(3) == "KUBE-HOSTPORTS") {
          looked = true;
          const auto missing = fake(args);  // not there yet…
          nat.chains["KUBE-HOSTPORTS"];     // …and there now
          return missing;
        }
        return fake(args);
      },
      /*hold_ports=*/false);
  EXPECT_TRUE(hostports.Add("pod1", "web_default", "10.88.0.5", kMappings).ok());
  EXPECT_EQ(nat.chains["KUBE-HOSTPORTS"].size(), 2u);
}

TEST(HostPortsTest, AHostPortInUseFailsTheAddAndLeavesNothing) {
  FakeNat nat;
  HostPorts first(nat.Runner());
  HostPorts second(nat.Runner());
  const std::vector<PortMapping> mapping = {
      {.protocol = "tcp", .container_port = 80, .host_port = 47123}};
  ASSERT_TRUE(first.Add("pod1", "web_default", "10.88.0.5", mapping).ok());
  const absl::Status taken = second.Add("pod2", "other_default", "10.88.0.6", mapping);
  EXPECT_EQ(taken.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(taken.message().find("cannot open hostport 47123 for pod pod2"), std::string::npos)
      << taken;
  EXPECT_FALSE(nat.chains.contains(HostportChain("pod2", mapping[0])));
  ASSERT_TRUE(first.Remove("pod1", mapping).ok());
  EXPECT_TRUE(second.Add("pod2", "other_default", "10.88.0.6", mapping).ok())
      << "the port is free once its pod is gone";
}

}  // namespace
}  // namespace crio::network
