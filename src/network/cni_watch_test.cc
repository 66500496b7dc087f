#include "network/cni_watch.h"

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::network {
namespace {

// Polls `watcher` until its readiness is `ready` or a few seconds passed.
bool BecomesReady(CniConfigWatcher& watcher, bool ready) {
  for (int i = 0; i < 100; ++i) {
    if (watcher.Check().ok() == ready) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(CniConfigWatcherTest, FollowsConfigFilesComingAndGoing) {
  testing::TempDir dir;
  ::chmod(dir.WriteFile("bin/loopback", "#!/bin/sh\n").c_str(), 0755);
  CniConfigWatcher watcher(dir.Join("net.d"), {dir.Join("bin")}, "");
  EXPECT_TRUE(std::filesystem::is_directory(dir.Join("net.d")));  // created
  EXPECT_FALSE(watcher.Check().ok());

  dir.WriteFile("net.d/10-lo.conflist",
                R"({"cniVersion":"1.0.0","name":"lo","plugins":[{"type":"loopback"}]})");
  EXPECT_TRUE(BecomesReady(watcher, true));
  std::filesystem::remove(dir.Join("net.d/10-lo.conflist"));
  EXPECT_TRUE(BecomesReady(watcher, false));
  EXPECT_NE(watcher.Check().message().find("No CNI configuration file"), std::string::npos);
}

TEST(CniConfigWatcherTest, NoticesAPluginInstalledLater) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.Join("bin"));
  dir.WriteFile("net.d/10-lo.conflist",
                R"({"cniVersion":"1.0.0","name":"lo","plugins":[{"type":"loopback"}]})");
  CniConfigWatcher watcher(dir.Join("net.d"), {dir.Join("bin")}, "");
  EXPECT_FALSE(watcher.Check().ok());
  const std::string plugin = dir.Join("bin/loopback");
  dir.WriteFile("bin/loopback.tmp", "#!/bin/sh\n");
  ::chmod(dir.Join("bin/loopback.tmp").c_str(), 0755);
  std::filesystem::rename(dir.Join("bin/loopback.tmp"), plugin);
  EXPECT_TRUE(BecomesReady(watcher, true));
}

}  // namespace
}  // namespace crio::network
