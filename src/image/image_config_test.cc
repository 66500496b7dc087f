#include "image/image_config.h"

#include "gtest/gtest.h"

namespace crio::image {
namespace {

const std::string kDiff = "sha256:" + std::string(64, '1');

TEST(ImageConfigTest, ParsesRunConfigAndLayers) {
  const std::string body = R"({
    "architecture": "amd64", "os": "linux", "created": "2026-01-02T03:04:05Z",
    "config": {"User": "1000:1000", "Env": ["PATH=/bin", "A=b"], "Entrypoint": null,
               "Cmd": ["sh"], "WorkingDir": "/work", "Labels": {"k": "v"},
               "StopSignal": "SIGQUIT", "Volumes": {"/data": {}, "/cache": {}},
               "ExposedPorts": {"80/tcp": {}}},
    "rootfs": {"type": "layers", "diff_ids": [")" +
                           kDiff + R"("]},
    "history": [{"created_by": "x"}]})";
  auto config = ParseImageConfig(body);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->platform, (Platform{"linux", "amd64", ""}));
  EXPECT_EQ(config->user, "1000:1000");
  EXPECT_EQ(config->env, (std::vector<std::string>{"PATH=/bin", "A=b"}));
  EXPECT_TRUE(config->entrypoint.empty());
  EXPECT_EQ(config->cmd, (std::vector<std::string>{"sh"}));
  EXPECT_EQ(config->working_dir, "/work");
  EXPECT_EQ(config->labels.at("k"), "v");
  EXPECT_EQ(config->stop_signal, "SIGQUIT");
  EXPECT_EQ(config->volumes, (std::vector<std::string>{"/cache", "/data"}));
  EXPECT_EQ(config->exposed_ports, (std::vector<std::string>{"80/tcp"}));
  EXPECT_EQ(config->diff_ids, (std::vector<std::string>{kDiff}));
}

TEST(ImageConfigTest, RejectsMissingOrBadRootfs) {
  EXPECT_FALSE(ParseImageConfig("{}").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs": {"type": "other", "diff_ids": []}})").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs": {"type": "layers", "diff_ids": ["md5:x"]}})").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs": {"type": "layers"}, "config": {"Cmd": "sh"}})").ok());
  EXPECT_TRUE(ParseImageConfig(R"({"rootfs": {"type": "layers", "diff_ids": []}})").ok());
}

TEST(ImageUserTest, NumericGivesUidNameGivesUsername) {
  EXPECT_EQ(ParseImageUser("1000").uid, 1000);
  EXPECT_EQ(ParseImageUser("1003:1004").uid, 1003);
  EXPECT_EQ(ParseImageUser("www-data").username, "www-data");
  EXPECT_FALSE(ParseImageUser("www-data:1004").uid.has_value());
  EXPECT_EQ(ParseImageUser("www-data:1004").username, "www-data");
  EXPECT_EQ(ParseImageUser("").username, "");
  EXPECT_FALSE(ParseImageUser("").uid.has_value());
}

}  // namespace
}  // namespace crio::image
