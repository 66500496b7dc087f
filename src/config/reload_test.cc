#include "config/reload.h"

#include "config/live_config.h"
#include "gtest/gtest.h"

namespace crio::config {
namespace {

TEST(ReloadTest, AppliesAndReportsOnlyReloadableOptions) {
  Config live;
  Config fresh;
  fresh.runtime.log_level = "debug";
  fresh.image.pause_image = "example.com/pause:2";
  fresh.api.listen = "/elsewhere.sock";  // not reloadable
  fresh.runtime.runtimes["crun"].runtime_path = "/usr/bin/crun";
  const std::vector<std::string> changes = ApplyReload(live, fresh);
  EXPECT_EQ(changes, (std::vector<std::string>{
                         "Updating runtime configuration", "added runtime handler \"crun\"",
                         "set config log_level to \"debug\"",
                         "set config pause_image to \"example.com/pause:2\""}));
  EXPECT_EQ(live.runtime.log_level, "debug");
  EXPECT_EQ(live.image.pause_image, "example.com/pause:2");
  EXPECT_EQ(live.api.listen, "/var/run/crio/crio.sock");
  EXPECT_TRUE(live.runtime.runtimes.contains("crun"));
  EXPECT_TRUE(ApplyReload(live, fresh).empty());  // nothing left to change
}

TEST(ReloadTest, RemovedAndUpdatedHandlersAreReported) {
  Config live;
  live.runtime.runtimes["old"] = RuntimeHandler{};
  Config fresh;
  fresh.runtime.runtimes["runc"].monitor_cgroup = "pod";
  const std::vector<std::string> changes = ApplyReload(live, fresh);
  EXPECT_EQ(changes, (std::vector<std::string>{"Updating runtime configuration",
                                               "updated runtime handler \"runc\"",
                                               "removed runtime handler \"old\""}));
}

TEST(LiveConfigTest, SnapshotsStayStableAcrossReloads) {
  LiveConfig live{Config{}};
  const auto before = live.Snapshot();
  Config fresh;
  fresh.runtime.log_level = "error";
  EXPECT_EQ(live.Reload(fresh).size(), 1u);
  EXPECT_EQ(before->runtime.log_level, "info");
  EXPECT_EQ(live.Snapshot()->runtime.log_level, "error");
}

}  // namespace
}  // namespace crio::config
