#include "stats/cgroup_files.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::stats {
namespace {

TEST(CgroupFilesTest, NumbersAndLimits) {
  testing::TempDir root;
  EXPECT_EQ(ParseNumber("42\n"), 42u);
  EXPECT_FALSE(ParseNumber("-1\n")) << "v1 cpu.cfs_quota_us without a quota";
  EXPECT_FALSE(ParseNumber("max\n"));
  EXPECT_EQ(ReadLimit(root.WriteFile("limit", "4096\n")), 4096u);
  EXPECT_FALSE(ReadLimit(root.WriteFile("v2", "max\n")));
  EXPECT_FALSE(ReadLimit(root.WriteFile("v1", "9223372036854771712\n")));
  EXPECT_FALSE(ReadOptionalNumber(root.Join("absent")));
}

TEST(CgroupFilesTest, KeyedValues) {
  const KeyedValues values = ParseKeyedValues("a 1\nb x\nc 3\n");
  EXPECT_EQ(Find(values, "a"), 1u);
  EXPECT_FALSE(Find(values, "b")) << "not a number";
  EXPECT_EQ(Get(values, "c"), 3u);
  EXPECT_EQ(Get(values, "d"), 0u);
  testing::TempDir root;
  EXPECT_FALSE(ReadOptionalKeyedFile(root.Join("absent")));
  EXPECT_EQ(ReadOptionalKeyedFile(root.WriteFile("f", "k 7\n"))->at("k"), 7u);
}

}  // namespace
}  // namespace crio::stats
