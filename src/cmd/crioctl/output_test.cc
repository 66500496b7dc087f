#include "cmd/crioctl/output.h"

#include "cmd/crioctl/command_io.h"
#include "cri_api.h"
#include "gtest/gtest.h"

namespace crio::crioctl {
namespace {

using nlohmann::json;

TEST(YamlTest, NestedObjectsAndArrays) {
  const json value = json::parse(R"({
    "status": {"conditions": [{"type": "RuntimeReady", "status": true, "reason": ""}]},
    "empty": {}, "none": [], "count": 3, "ratio": 0.5, "nothing": null})");
  EXPECT_EQ(ToYaml(value),
            "count: 3\n"
            "empty: {}\n"
            "none: []\n"
            "nothing: null\n"
            "ratio: 0.5\n"
            "status:\n"
            "  conditions:\n"
            "  - reason: \"\"\n"
            "    status: true\n"
            "    type: RuntimeReady\n");
}

TEST(YamlTest, QuotesStringsThatWouldReadAsSomethingElse) {
  for (const char* text :
       {"true",        "False",    "null",       "~",          "yes",    "off",        "42",
        "-7",          "+1",       "1.36",       ".5",         "1e3",    "0x1F",       "0o17",
        "0755",        ".inf",     "-.Inf",      ".NaN",       "1:20",   "2024-01-02", "",
        " padded",     "padded ",  "key: value", "a #comment", "ends:",  "-",          "- item",
        "? x",         "*alias",   "&anchor",    "!tag",       "#hash",  "@at",        "`tick",
        "'single",     "\"double", "[list",      "{map",       "|block", ">folded",    "%directive",
        "line\nbreak", "tab\there"}) {
    const std::string yaml = ToYaml(json{{"k", text}});
    EXPECT_EQ(yaml, "k: " + json(text).dump() + "\n") << "for " << json(text).dump();
  }
}

TEST(YamlTest, LeavesPlainStringsUnquoted) {
  for (const char* text : {"RuntimeReady", "/var/lib/crio", "10.88.0.1", "80:8080", "-dash",
                           "docker.io/library/busybox:1.36", "a:b", "a#b", "sha256:abc",
                           "unix:///var/run/crio/crio.sock", "3rd-party", "naïve", "hello world"}) {
    EXPECT_EQ(ToYaml(json{{"k", text}}), std::string("k: ") + text + "\n") << "for " << text;
  }
}

TEST(YamlTest, QuotesKeysLikeValues) {
  EXPECT_EQ(ToYaml(json{{"true", 1}, {"a: b", 2}, {"plain", 3}}),
            "\"a: b\": 2\nplain: 3\n\"true\": 1\n");
}

TEST(YamlTest, NestedSequences) {
  EXPECT_EQ(ToYaml(json::parse(R"({"a": [[1, 2], {"b": [3], "c": {"d": []}}, [], {}]})")),
            "a:\n"
            "- - 1\n"
            "  - 2\n"
            "- b:\n"
            "  - 3\n"
            "  c:\n"
            "    d: []\n"
            "- []\n"
            "- {}\n");
}

TEST(YamlTest, ScalarsAtTopLevel) {
  EXPECT_EQ(ToYaml(json("x")), "x\n");
  EXPECT_EQ(ToYaml(json("true")), "\"true\"\n");
  EXPECT_EQ(ToYaml(json::array()), "[]\n");
  EXPECT_EQ(ToYaml(json::object()), "{}\n");
  EXPECT_EQ(ToYaml(json::array({1, "two"})), "- 1\n- two\n");
}

TEST(JsonTest, IndentsByTwo) { EXPECT_EQ(ToJsonText(json{{"a", 1}}), "{\n  \"a\": 1\n}\n"); }

TEST(JsonTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  EXPECT_EQ(ToJsonText(json("a\xff")), "\"a\xEF\xBF\xBD\"\n");
  EXPECT_EQ(ToYaml(json{{"k", "a\x01\xff"}}), "k: \"a\\u0001\xEF\xBF\xBD\"\n");
}

TEST(ProtoToJsonTest, UsesCamelCaseAndPrintsDefaults) {
  runtime::v1::VersionResponse version;
  version.set_runtime_name("crio");
  EXPECT_EQ(ProtoToJson(version), json::parse(R"({"version": "", "runtimeName": "crio",
                                      "runtimeVersion": "", "runtimeApiVersion": ""})"));
}

TEST(TableTest, PadsColumnsToTwentyLikeCrictl) {
  EXPECT_EQ(ToTable({"IMAGE", "TAG", "IMAGE ID", "SIZE"},
                    {{"docker.io/library/busybox", "latest", "a416a98b71e22", "2.23MB"}}),
            "IMAGE                       TAG                 IMAGE ID            SIZE\n"
            "docker.io/library/busybox   latest              a416a98b71e22       2.23MB\n");
}

TEST(TableTest, WideCellsGetThreeSpacesAndWidthCountsCodePoints) {
  const std::string wide(25, 'x');
  EXPECT_EQ(ToTable({"NAME", "STATE"}, {{wide, "Ready"}, {"caf\xC3\xA9", "NotReady"}}),
            "NAME" + std::string(24, ' ') + "STATE\n" +  //
                wide + "   Ready\n" +                    //
                "caf\xC3\xA9" + std::string(24, ' ') + "NotReady\n");
}

TEST(TableTest, HeadersOnlyWhenThereAreNoRows) {
  EXPECT_EQ(ToTable({"POD ID", "NAME"}, {}), "POD ID              NAME\n");
}

TEST(DebugTextTest, NamesTheTypeAndRedactsCredentials) {
  runtime::v1::PullImageRequest pull;
  pull.mutable_image()->set_image("busybox");
  pull.mutable_auth()->set_username("me");
  pull.mutable_auth()->set_password("hunter2");
  pull.mutable_auth()->set_auth("bWU6aHVudGVyMg==");
  pull.mutable_auth()->set_registry_token("tok");
  const std::string text = DebugText(pull);
  EXPECT_TRUE(text.starts_with("PullImageRequest {")) << text;
  EXPECT_NE(text.find("image: \"busybox\""), std::string::npos) << text;
  EXPECT_NE(text.find("username: \"me\""), std::string::npos) << text;
  for (const char* secret : {"hunter2", "bWU6aHVudGVyMg==", "tok\""}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
  }
  EXPECT_EQ(pull.auth().password(), "hunter2");  // the original is untouched
}

TEST(DebugTextTest, EmptyMessage) {
  EXPECT_EQ(DebugText(runtime::v1::VersionRequest()), "VersionRequest {}");
}

}  // namespace
}  // namespace crio::crioctl

namespace crio::crioctl {
namespace {

// pods --name/--namespace and ps --name: crictl's pattern rules, and no crash on a bad one.
TEST(RegexFilterTest, EmptyMatchesAllAndBrokenMatchesNothing) {
  EXPECT_TRUE(RegexFilter("").Matches("anything"));
  EXPECT_TRUE(RegexFilter("^web").Matches("web-0"));
  EXPECT_FALSE(RegexFilter("^web").Matches("db"));
  EXPECT_FALSE(RegexFilter("([unclosed").Matches("([unclosed"));
}

}  // namespace
}  // namespace crio::crioctl
