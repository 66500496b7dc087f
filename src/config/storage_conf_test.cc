#include "config/storage_conf.h"

#include "config/load.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::config {
namespace {

TEST(StorageConfTest, GivesTheStorageDefaults) {
  Config config;
  std::vector<std::string> warnings;
  ASSERT_TRUE(ApplyStorageConf(R"([storage]
driver = "overlay"
graphroot = "/srv/containers"
runroot = "/run/srv"
imagestore = "/srv/images"
rootless_storage_path = "$HOME/x"
[storage.options.overlay]
mountopt = "nodev"
)",
                               "storage.conf", config, warnings)
                  .ok());
  EXPECT_EQ(config.root.root, "/srv/containers");
  EXPECT_EQ(config.root.runroot, "/run/srv");
  EXPECT_EQ(config.root.imagestore, "/srv/images");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("rootless_storage_path"), std::string::npos);
}

TEST(StorageConfTest, ItsOptionsBecomeTheDriversStorageOptions) {
  Config config;
  std::vector<std::string> warnings;
  ASSERT_TRUE(ApplyStorageConf(R"([storage]
driver = "overlay"
[storage.options]
additionalimagestores = ["/srv/ro1", "/srv/ro2"]
pull_options = {enable_partial_images = "false"}
size = "10G"
[storage.options.overlay]
mountopt = "nodev,metacopy=on"
ignore_chown_errors = "true"
[storage.options.thinpool]
autoextend_percent = "20"
)",
                               "storage.conf", config, warnings)
                  .ok());
  EXPECT_EQ(config.root.storage_option,
            (std::vector<std::string>{"overlay.imagestore=/srv/ro1", "overlay.imagestore=/srv/ro2",
                                      "overlay.ignore_chown_errors=true",
                                      "overlay.mountopt=nodev,metacopy=on", "overlay.size=10G"}));
  EXPECT_TRUE(warnings.empty()) << warnings[0];
}

TEST(StorageConfTest, AnotherDriverIsAClearError) {
  Config config;
  std::vector<std::string> warnings;
  const absl::Status applied =
      ApplyStorageConf("[storage]\ndriver = \"vfs\"\n", "storage.conf", config, warnings);
  EXPECT_EQ(applied.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(applied.message().find("\"vfs\""), std::string::npos);
}

TEST(StorageConfTest, CrioConfOverridesIt) {
  testing::TempDir dir;
  Sources sources{.config_file = dir.WriteFile("crio.conf", "[crio]\nrunroot = \"/run/mine\"\n"),
                  .config_dir = dir.Join("none"),
                  .storage_conf = dir.WriteFile(
                      "storage.conf", "[storage]\ngraphroot = \"/g\"\nrunroot = \"/r\"\n")};
  auto loaded = Load(sources, nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.root.root, "/g");
  EXPECT_EQ(loaded->config.root.runroot, "/run/mine");
  // Without a storage.conf, CRI-O's defaults.
  sources.storage_conf = dir.Join("missing.conf");
  EXPECT_EQ(Load(sources, nullptr)->config.root.root, "/var/lib/containers/storage");
}

}  // namespace
}  // namespace crio::config
