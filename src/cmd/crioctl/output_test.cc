#include "cmd/crioctl/output.h"

#include "gtest/gtest.h"

namespace crio::crioctl {
namespace {

using nlohmann::json;

TEST(YamlTest, NestedObjectsAndArrays) {
  const json value = json::parse(R"({
    "status": {"conditions": [{"type": "RuntimeReady", "status": true, "reason": ""}]},
    "empty": {}, "none": [], "count": 3})");
  EXPECT_EQ(ToYaml(value),
            "count: 3\n"
            "empty: {}\n"
            "none: []\n"
            "status:\n"
            "  conditions:\n"
            "  - reason: \"\"\n"
            "    status: true\n"
            "    type: RuntimeReady\n");
}

TEST(YamlTest, QuotesStringsThatWouldReadAsSomethingElse) {
  const json value = {{"a", "true"},        {"b", "42"},    {"c", "key: value"},  {"d", " padded"},
                      {"e", "line\nbreak"}, {"f", "-dash"}, {"g", "/plain/path"}, {"h", "null"}};
  EXPECT_EQ(ToYaml(value),
            "a: \"true\"\n"
            "b: \"42\"\n"
            "c: \"key: value\"\n"
            "d: \" padded\"\n"
            "e: \"line\\nbreak\"\n"
            "f: \"-dash\"\n"
            "g: /plain/path\n"
            "h: \"null\"\n");
}

TEST(YamlTest, NestedSequences) {
  EXPECT_EQ(ToYaml(json::parse(R"({"a": [[1, 2], {"b": [3]}]})")),
            "a:\n"
            "- - 1\n"
            "  - 2\n"
            "- b:\n"
            "  - 3\n");
}

TEST(YamlTest, ScalarsAtTopLevel) {
  EXPECT_EQ(ToYaml(json("x")), "x\n");
  EXPECT_EQ(ToYaml(json::array()), "[]\n");
  EXPECT_EQ(ToYaml(json::array({1, "two"})), "- 1\n- two\n");
}

TEST(JsonTest, IndentsByTwo) { EXPECT_EQ(ToJsonText(json{{"a", 1}}), "{\n  \"a\": 1\n}\n"); }

TEST(TableTest, PadsColumnsWithoutTrailingBlanks) {
  EXPECT_EQ(ToTable({"POD ID", "NAME"}, {{"abc", "nginx"}, {"abcdefgh", "x"}}),
            "POD ID     NAME\n"
            "abc        nginx\n"
            "abcdefgh   x\n");
}

}  // namespace
}  // namespace crio::crioctl
