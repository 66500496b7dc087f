#include "network/cni.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/temp_dir.h"

namespace crio::network {
namespace {

using nlohmann::json;

// Fake plugins are shell scripts that append "COMMAND ARGS" and their stdin (one line) to
// calls.log and print a canned result.
class CniPodNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddPlugin("fake-bridge", R"({"cniVersion":"1.0.0","ips":[{"address":"fd00::5/64"},)"
                             R"({"address":"10.1.0.5/24"}]})");
    AddPlugin("fake-portmap", R"({"cniVersion":"1.0.0","ips":[{"address":"fd00::5/64"},)"
                              R"({"address":"10.1.0.5/24"}]})");
    WriteNetwork("fake-bridge", "fake-portmap");
  }

  void AddPlugin(const std::string& name, const std::string& result, int exit_code = 0,
                 const std::string& extra = "") {
    const std::string script = fmt::format(
        "#!/bin/sh\n"
        "input=$(cat)\n"
        "echo \"{} $CNI_COMMAND $CNI_CONTAINERID $CNI_NETNS $CNI_IFNAME $CNI_ARGS\" >> {}\n"
        "echo \"$input\" >> {}\n{}"
        "[ \"$CNI_COMMAND\" = ADD ] && echo '{}'\n"
        "exit {}\n",
        name, dir_.Join("calls.log"), dir_.Join("calls.log"), extra, result, exit_code);
    ::chmod(dir_.WriteFile("bin/" + name, script).c_str(), 0755);
  }

  void WriteNetwork(const std::string& first, const std::string& second) {
    dir_.WriteFile("net.d/10-test.conflist",
                   fmt::format(R"({{"cniVersion":"1.0.0","name":"testnet","plugins":[)"
                               R"({{"type":"{}","bridge":"cni9"}},)"
                               R"({{"type":"{}","capabilities":{{"portMappings":true}}}}]}})",
                               first, second));
  }

  CniOptions Options() const {
    return {.network_dir = dir_.Join("net.d"),
            .plugin_dirs = {dir_.Join("bin")},
            .default_network = "",
            .cache_dir = dir_.Join("cache"),
            .timeout = std::chrono::seconds(10)};
  }

  Attachment Pod() const {
    return {.pod_id = "abc123",
            .netns = "/run/netns/abc123",
            .pod_name = "web",
            .pod_namespace = "default",
            .pod_uid = "uid-1",
            .port_mappings = {{.protocol = "tcp", .container_port = 80, .host_port = 8080}}};
  }

  // calls.log as (command line, stdin JSON) pairs.
  std::vector<std::pair<std::string, json>> Calls() const {
    std::vector<std::pair<std::string, json>> calls;
    std::ifstream log(dir_.Join("calls.log"));
    std::string line, input;
    while (std::getline(log, line) && std::getline(log, input)) {
      calls.emplace_back(line, json::parse(input));
    }
    return calls;
  }

  testing::TempDir dir_;
};

TEST_F(CniPodNetworkTest, AttachRunsTheChainAndCachesTheResult) {
  CniPodNetwork network(Options());
  auto attached = network.Attach(Pod());
  ASSERT_TRUE(attached.ok()) << attached.status();
  EXPECT_EQ(attached->network, "testnet");
  EXPECT_EQ(attached->ips, (std::vector<std::string>{"10.1.0.5", "fd00::5"}));

  const auto calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first,
            "fake-bridge ADD abc123 /run/netns/abc123 eth0 IgnoreUnknown=1;K8S_POD_NAMESPACE="
            "default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=uid-1");
  EXPECT_EQ(calls[0].second["name"], "testnet");
  EXPECT_EQ(calls[0].second["cniVersion"], "1.0.0");
  EXPECT_FALSE(calls[0].second.contains("prevResult"));
  EXPECT_FALSE(calls[0].second.contains("runtimeConfig"));  // it asked for no capability
  EXPECT_EQ(calls[1].second["prevResult"]["ips"][1]["address"], "10.1.0.5/24");
  EXPECT_EQ(calls[1].second["runtimeConfig"]["portMappings"],
            json::parse(R"([{"hostPort":8080,"containerPort":80,"protocol":"tcp"}])"));

  const json cache = json::parse(std::ifstream(dir_.Join("cache/results/testnet-abc123-eth0")));
  EXPECT_EQ(cache["kind"], "cniCacheV1");
  EXPECT_EQ(cache["networkName"], "testnet");
  EXPECT_EQ(cache["result"]["ips"][1]["address"], "10.1.0.5/24");
}

TEST_F(CniPodNetworkTest, DetachUsesTheCachedConfigurationInReverse) {
  CniPodNetwork network(Options());
  ASSERT_TRUE(network.Attach(Pod()).ok());
  // The configuration on disk changes; DEL still goes to the plugins that did ADD.
  std::filesystem::remove(dir_.Join("net.d/10-test.conflist"));
  ASSERT_TRUE(network.Detach(Pod()).ok());
  const auto calls = Calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_TRUE(calls[2].first.starts_with("fake-portmap DEL abc123")) << calls[2].first;
  EXPECT_TRUE(calls[3].first.starts_with("fake-bridge DEL abc123")) << calls[3].first;
  EXPECT_EQ(calls[3].second["prevResult"]["ips"][0]["address"], "fd00::5/64");
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("cache/results/testnet-abc123-eth0")));
  EXPECT_TRUE(network.Detach(Pod()).ok());  // nothing attached, nothing configured: fine
}

TEST_F(CniPodNetworkTest, FailedAddIsUndoneAndExplained) {
  AddPlugin("fake-fail", "", 1,
            R"(echo '{"code":11,"msg":"no more addresses"}'; exit 1)"
            "\n");
  WriteNetwork("fake-bridge", "fake-fail");
  CniPodNetwork network(Options());
  auto attached = network.Attach(Pod());
  ASSERT_FALSE(attached.ok());
  EXPECT_EQ(attached.status().message(),
            "network testnet: CNI plugin fake-fail ADD failed: no more addresses");
  const auto calls = Calls();
  ASSERT_EQ(calls.size(), 4u);  // ADD, ADD (failed), DEL, DEL
  EXPECT_TRUE(calls[2].first.starts_with("fake-fail DEL"));
  EXPECT_TRUE(calls[3].first.starts_with("fake-bridge DEL"));
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("cache/results/testnet-abc123-eth0")));
}

TEST_F(CniPodNetworkTest, PluginTimeoutIsDeadlineExceeded) {
  AddPlugin("fake-slow", "{}", 0, "sleep 5\n");
  WriteNetwork("fake-slow", "fake-portmap");
  CniOptions options = Options();
  options.timeout = std::chrono::milliseconds(300);
  CniPodNetwork network(options);
  auto attached = network.Attach(Pod());
  EXPECT_EQ(attached.status().code(), absl::StatusCode::kDeadlineExceeded) << attached.status();
}

TEST_F(CniPodNetworkTest, CheckSendsTheCachedResult) {
  CniPodNetwork network(Options());
  EXPECT_EQ(network.Check(Pod()).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(network.Attach(Pod()).ok());
  ASSERT_TRUE(network.Check(Pod()).ok());
  const auto calls = Calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_TRUE(calls[2].first.starts_with("fake-bridge CHECK"));
  EXPECT_EQ(calls[2].second["prevResult"]["ips"][1]["address"], "10.1.0.5/24");
}

TEST_F(CniPodNetworkTest, DisableCheckIsHonoured) {
  dir_.WriteFile("net.d/10-test.conflist",
                 R"({"cniVersion":"1.0.0","name":"testnet","disableCheck":true,)"
                 R"("plugins":[{"type":"fake-bridge"}]})");
  CniPodNetwork network(Options());
  ASSERT_TRUE(network.Attach(Pod()).ok());
  ASSERT_TRUE(network.Check(Pod()).ok());
  EXPECT_EQ(Calls().size(), 1u);  // the ADD only
}

TEST_F(CniPodNetworkTest, BandwidthAndCidrReachPluginsThatAskForThem) {
  dir_.WriteFile("net.d/10-test.conflist",
                 R"({"cniVersion":"1.0.0","name":"testnet","plugins":[{"type":"fake-bridge",)"
                 R"("capabilities":{"bandwidth":true,"ipRanges":true,"cgroupPath":false}}]})");
  CniPodNetwork network(Options());
  Attachment pod = Pod();
  pod.pod_cidr = "10.244.1.0/24";
  pod.bandwidth = Bandwidth{.ingress_rate = 1000000, .egress_rate = 0};
  pod.cgroup_parent = "/kubepods";
  ASSERT_TRUE(network.Attach(pod).ok());
  const json runtime = Calls()[0].second["runtimeConfig"];
  EXPECT_EQ(runtime["bandwidth"],
            json::parse(R"({"ingressRate":1000000,"ingressBurst":2147483647})"));
  EXPECT_EQ(runtime["ipRanges"], json::parse(R"([[{"subnet":"10.244.1.0/24"}]])"));
  EXPECT_FALSE(runtime.contains("cgroupPath"));
}

}  // namespace
}  // namespace crio::network
