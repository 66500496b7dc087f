#include "container/hooks.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::container {
namespace {

using nlohmann::json;

const json kSpec = json::parse(R"({"process":{"args":["/usr/bin/nginx","-g"]},
  "annotations":{"com.example.gpu":"yes"},
  "mounts":[{"destination":"/proc","type":"proc"},{"destination":"/data","type":"bind"}]})");

TEST(HooksTest, LoadsMasksAndMatches) {
  testing::TempDir dir;
  dir.WriteFile("a/10-always.json",
                R"({"version":"1.0.0","hook":{"path":"/bin/a"},"when":{"always":true},
                    "stages":["prestart","poststop"]})");
  dir.WriteFile("b/10-always.json",  // masks a/10-always.json
                R"({"version":"1.0.0","hook":{"path":"/bin/b"},"when":{"always":true},
                    "stages":["createRuntime"]})");
  dir.WriteFile("b/20-gpu.json",
                R"({"version":"1.0.0","hook":{"path":"/bin/gpu","args":["gpu","prestart"]},
                    "when":{"annotations":{"^com\\.example\\.gpu$":"^yes$"},"commands":["nginx$"]},
                    "stages":["prestart"]})");
  dir.WriteFile("b/30-other.json",
                R"({"version":"1.0.0","hook":{"path":"/bin/other"},
                    "when":{"commands":["^/bin/sh$"],"hasBindMounts":true},"stages":["prestart"]})");
  dir.WriteFile("b/40-bad.json", R"({"version":"2.0","hook":{"path":"/bin/x"}})");
  std::vector<std::string> skipped;
  const std::vector<Hook> hooks = LoadHooks({dir.Join("a"), dir.Join("b")}, &skipped);
  ASSERT_EQ(hooks.size(), 3u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("40-bad.json"), std::string::npos);

  json spec = kSpec;
  InjectHooks(hooks, spec);
  EXPECT_EQ(spec["hooks"]["createRuntime"], json::parse(R"([{"path":"/bin/b"}])"));
  EXPECT_EQ(spec["hooks"]["prestart"],
            json::parse(R"([{"path":"/bin/gpu","args":["gpu","prestart"]}])"));
  EXPECT_FALSE(spec["hooks"].contains("poststop"));  // the masked file's stage
}

}  // namespace
}  // namespace crio::container
