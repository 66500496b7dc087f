#include "network/cni_config.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::network {
namespace {

class CniConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* plugin : {"bridge", "portmap", "loopback"}) {
      chmod(dir_.WriteFile(std::string("bin/") + plugin, "#!/bin/sh\n").c_str(), 0755);
    }
  }
  std::string NetDir() const { return dir_.Join("net.d"); }
  std::vector<std::string> PluginDirs() const { return {dir_.Join("nowhere"), dir_.Join("bin")}; }

  testing::TempDir dir_;
};

TEST_F(CniConfigTest, MissingDirIsNotReadyWithCrioWording) {
  const auto network = FindNetwork(NetDir(), PluginDirs(), "");
  ASSERT_EQ(network.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(network.status().message().find("No CNI configuration file in " + NetDir()),
            std::string::npos);
}

TEST_F(CniConfigTest, PicksLexicallyFirstValidConflist) {
  dir_.WriteFile("net.d/20-b.conflist",
                 R"({"cniVersion":"1.0.0","name":"b","plugins":[{"type":"bridge"}]})");
  dir_.WriteFile(
      "net.d/10-a.conflist",
      R"({"cniVersion":"1.0.0","name":"a","plugins":[{"type":"bridge"},{"type":"portmap"}]})");
  dir_.WriteFile("net.d/05-ignored.txt", "not a config");
  const auto network = FindNetwork(NetDir(), PluginDirs(), "");
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->name, "a");
  EXPECT_EQ(network->plugins, (std::vector<std::string>{"bridge", "portmap"}));
}

TEST_F(CniConfigTest, SkipsInvalidFilesAndSaysWhy) {
  dir_.WriteFile("net.d/01-broken.conf", "{not json");
  dir_.WriteFile("net.d/02-missing.conflist", R"({"name":"m","plugins":[{"type":"flannel"}]})");
  auto network = FindNetwork(NetDir(), PluginDirs(), "");
  ASSERT_FALSE(network.ok());
  const std::string message(network.status().message());
  EXPECT_NE(message.find("01-broken.conf: not a JSON object"), std::string::npos) << message;
  EXPECT_NE(message.find("plugin \"flannel\" not found"), std::string::npos) << message;

  dir_.WriteFile("net.d/03-single.conf", R"({"name":"single","type":"bridge"})");
  network = FindNetwork(NetDir(), PluginDirs(), "");
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_EQ(network->name, "single");
}

TEST_F(CniConfigTest, DefaultNetworkSelectsByName) {
  dir_.WriteFile("net.d/10-a.conflist", R"({"name":"a","plugins":[{"type":"bridge"}]})");
  dir_.WriteFile("net.d/20-b.conflist", R"({"name":"b","plugins":[{"type":"bridge"}]})");
  EXPECT_EQ(FindNetwork(NetDir(), PluginDirs(), "b")->name, "b");
  EXPECT_FALSE(FindNetwork(NetDir(), PluginDirs(), "c").ok());
}

}  // namespace
}  // namespace crio::network
