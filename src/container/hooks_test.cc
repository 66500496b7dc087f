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

// The unversioned 0.1.0 format (CRI-O's hooks.bats uses it): any one condition is enough.
TEST(HooksTest, TheUnversionedFormatReadsAsTheHookItStandsFor) {
  testing::TempDir dir;
  dir.WriteFile("d/checkhook.json",
                R"({"cmd":[".*"],"hook":"/hooks/checkhook.sh","stage":["prestart"]})");
  dir.WriteFile("d/gpu.json",
                R"({"hook":"/bin/gpu","arguments":["--verbose"],"stages":["poststop"],
                    "cmds":["^/bin/sh$"],"annotation":["^no$","^yes$"],
                    "hasbindmounts":false})");
  dir.WriteFile("d/both.json", R"({"hook":"/bin/x","stage":["prestart"],"stages":["prestart"]})");
  dir.WriteFile("d/nohook.json", R"({"stage":["prestart"]})");
  std::vector<std::string> skipped;
  const std::vector<Hook> hooks = LoadHooks({dir.Join("d")}, &skipped);
  ASSERT_EQ(hooks.size(), 2u);
  ASSERT_EQ(skipped.size(), 2u);
  const std::string reasons = skipped[0] + "\n" + skipped[1];
  EXPECT_NE(reasons.find("both.json: cannot set both 'stage' and 'stages'"), std::string::npos);
  EXPECT_NE(reasons.find("nohook.json: missing required property: hook"), std::string::npos);

  json spec = kSpec;
  InjectHooks(hooks, spec);
  EXPECT_EQ(spec["hooks"]["prestart"], json::parse(R"([{"path":"/hooks/checkhook.sh"}])"));
  // Its command does not match, an annotation's value does: with "or", that is enough.
  EXPECT_EQ(spec["hooks"]["poststop"],
            json::parse(R"([{"path":"/bin/gpu","args":["/bin/gpu","--verbose"]}])"));
}

}  // namespace
}  // namespace crio::container
