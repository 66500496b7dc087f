#include "config/render.h"

#include <algorithm>
#include <sstream>

#include "config/load.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::config {
namespace {

Config ReadBack(const std::string& toml) {
  Config config;
  std::vector<std::string> warnings;
  const absl::Status applied = ApplyToml(toml, "rendered", config, warnings);
  EXPECT_TRUE(applied.ok()) << applied;
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  return config;
}

// The lines that set a key or open a handler table: neither blank nor a comment.
std::vector<std::string> SetLines(const std::string& toml) {
  std::vector<std::string> lines;
  std::istringstream in(toml);
  for (std::string line; std::getline(in, line);) {
    const bool table = line.starts_with("[") && !line.starts_with("[crio.runtime.runtimes.");
    if (!line.empty() && !line.starts_with("#") && !table) lines.push_back(line);
  }
  return lines;
}

// A configuration that differs from the defaults in every kind of value.
Config Unusual() {
  Config config;
  config.root.root = "/data/crio";
  config.root.storage_option = {"overlay.mountopt=nodev", "with \"quotes\""};
  config.root.internal_wipe = false;
  config.api.stream_port = "10010";
  config.api.stream_idle_timeout = "5m";
  config.runtime.log_level = "trace";
  config.runtime.pids_limit = 2048;
  config.runtime.default_sysctls = {"net.ipv4.ping_group_range=0 1"};
  config.runtime.default_capabilities.clear();
  config.runtime.runtimes["crun"].runtime_path = "/usr/bin/crun";
  config.runtime.runtimes["crun"].default_annotations = {{"io.x/y", "z\\w"}};
  config.runtime.runtimes["crun"].container_min_memory = "500KiB";
  config.image.pinned_images = {"registry.k8s.io/pause*"};
  config.network.plugin_dirs = {"/opt/cni/bin"};
  config.stats.collection_period = 10;
  config.runtime.workloads["management"] = {.activation_annotation = "example.com/managed",
                                            .annotation_prefix = "io.example.management",
                                            .allowed_annotations = {"io.kubernetes.cri-o.Devices"},
                                            .cpuset = "0-1",
                                            .cpushares = 200};
  config.runtime.workloads["plain"] = {.activation_annotation = "example.com/plain"};
  config.runtime.infra_ctr_cpuset = "1";
  return config;
}

TEST(RenderTest, DefaultsReadBackEqual) {
  const std::string rendered = Render(Config{});
  EXPECT_EQ(ReadBack(rendered), Config{});
}

TEST(RenderTest, EveryKindOfValueReadsBackEqualAndRendersIdentically) {
  const Config unusual = Unusual();
  const std::string rendered = Render(unusual);
  const Config back = ReadBack(rendered);
  EXPECT_EQ(back, unusual);
  EXPECT_EQ(Render(back), rendered);
}

TEST(RenderTest, IsCommentedTomlWithEveryTable) {
  const std::string rendered = Render(Config{});
  for (const char* table :
       {"[crio]", "[crio.api]", "[crio.runtime]", "[crio.runtime.runtimes.runc]", "[crio.image]",
        "[crio.network]", "[crio.metrics]", "[crio.stats]"}) {
    EXPECT_NE(rendered.find(std::string("\n") + table + "\n"), std::string::npos) << table;
  }
  EXPECT_NE(rendered.find("# Cgroup manager"), std::string::npos);
  EXPECT_NE(rendered.find("cgroup_manager = \"systemd\""), std::string::npos);
}

// CRI-O's config.bats: `crio -c "" -d "" config` sets nothing once comments and table
// headers are stripped.
TEST(RenderTest, AgainstTheDefaultsOnlyChangedKeysAreSet) {
  const Config defaults;
  EXPECT_EQ(SetLines(Render(defaults, &defaults)), std::vector<std::string>{});

  Config changed;
  changed.runtime.pids_limit = 5678;
  changed.runtime.runtimes["crun"].runtime_path = "/usr/bin/crun";
  const std::string rendered = Render(changed, &defaults);
  const std::vector<std::string> set = SetLines(rendered);
  ASSERT_GE(set.size(), 2u);
  EXPECT_EQ(set[0], "pids_limit = 5678");
  EXPECT_EQ(set[1], "[crio.runtime.runtimes.crun]");
  EXPECT_NE(std::find(set.begin(), set.end(), "[crio.runtime.runtimes.runc]"), set.end())
      << "every handler table is set: CRI-O weighs the handlers as one value";
  EXPECT_NE(rendered.find("\n# log_level = \"info\"\n"), std::string::npos);
  EXPECT_EQ(ReadBack(rendered), changed) << "commented-out keys read back as their defaults";
}

// Lists of strings take a line per item, tab-indented, set or commented out, as CRI-O's.
TEST(RenderTest, StringListsTakeALinePerItem) {
  const Config defaults;
  Config changed;
  changed.runtime.default_sysctls = {"net.ipv4.ping_group_range=0 0", "kernel.shm_rmid_forced=1"};
  const std::string rendered = Render(changed, &defaults);
  EXPECT_NE(rendered.find("\ndefault_sysctls = [\n\t\"net.ipv4.ping_group_range=0 0\",\n"
                          "\t\"kernel.shm_rmid_forced=1\",\n]\n"),
            std::string::npos)
      << rendered;
  EXPECT_NE(rendered.find("\n# default_capabilities = [\n# \t\"CHOWN\",\n"), std::string::npos);
  EXPECT_NE(rendered.find("\n# default_ulimits = [\n# ]\n"), std::string::npos);
  EXPECT_EQ(ReadBack(rendered), changed);
}

TEST(RenderTest, JsonMirrorsTheTables) {
  const nlohmann::json json = ToJson(Config{});
  EXPECT_EQ(json["crio"]["api"]["listen"], "/var/run/crio/crio.sock");
  EXPECT_EQ(json["crio"]["runtime"]["runtimes"]["runc"]["runtime_root"], "/run/runc");
  EXPECT_EQ(json["crio"]["root"], "/var/lib/containers/storage");
  EXPECT_EQ(json["crio"]["metrics"]["metrics_port"], 9090);
}

}  // namespace
}  // namespace crio::config
