#include "stats/cgroup_stats.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::stats {
namespace {

constexpr char kHybridV1[] =
    "12:pids:/crio/crio-abc\n"
    "7:blkio:/crio/crio-abc\n"
    "6:hugetlb:/crio/crio-abc\n"
    "5:cpu,cpuacct:/crio/crio-abc\n"
    "4:memory:/crio/crio-abc\n"
    "1:name=systemd:/\n"
    "0::/\n";

TEST(ParseProcCgroupTest, V1UsesEachControllersHierarchy) {
  auto dirs = ParseProcCgroup(kHybridV1, "/sys/fs/cgroup", /*unified=*/false);
  ASSERT_TRUE(dirs.ok()) << dirs.status();
  EXPECT_FALSE(dirs->unified);
  EXPECT_EQ(dirs->cpu, "/sys/fs/cgroup/cpu,cpuacct/crio/crio-abc");
  EXPECT_EQ(dirs->memory, "/sys/fs/cgroup/memory/crio/crio-abc");
  EXPECT_EQ(dirs->pids, "/sys/fs/cgroup/pids/crio/crio-abc");
  EXPECT_EQ(dirs->cfs, "/sys/fs/cgroup/cpu,cpuacct/crio/crio-abc");
  EXPECT_EQ(dirs->blkio, "/sys/fs/cgroup/blkio/crio/crio-abc");
  EXPECT_EQ(dirs->hugetlb, "/sys/fs/cgroup/hugetlb/crio/crio-abc");
  EXPECT_EQ(dirs->unified_dir, "") << "at the v2 root: the host's files are not its own";
}

TEST(ParseProcCgroupTest, HybridFindsTheV2DirUnderUnified) {
  auto dirs =
      ParseProcCgroup("3:cpuacct:/c\n2:cpu:/c\n1:memory:/c\n0::/crio/c\n", "/sys/fs/cgroup", false);
  ASSERT_TRUE(dirs.ok()) << dirs.status();
  EXPECT_EQ(dirs->cpu, "/sys/fs/cgroup/cpuacct/c");
  EXPECT_EQ(dirs->cfs, "/sys/fs/cgroup/cpu/c");
  EXPECT_EQ(dirs->unified_dir, "/sys/fs/cgroup/unified/crio/c");
  EXPECT_EQ(dirs->hugetlb, dirs->unified_dir) << "no v1 hugetlb hierarchy: the v2 one's";
  EXPECT_EQ(dirs->blkio, "");
}

TEST(ParseProcCgroupTest, UnifiedUsesTheSingleTree) {
  auto dirs = ParseProcCgroup("0::/kubepods.slice/crio-abc.scope\n", "/sys/fs/cgroup", true);
  ASSERT_TRUE(dirs.ok()) << dirs.status();
  EXPECT_EQ(dirs->cpu, "/sys/fs/cgroup/kubepods.slice/crio-abc.scope");
  EXPECT_EQ(dirs->memory, dirs->cpu);
  EXPECT_EQ(dirs->pids, dirs->cpu);
  for (const std::string* dir : {&dirs->cfs, &dirs->blkio, &dirs->hugetlb, &dirs->unified_dir}) {
    EXPECT_EQ(*dir, dirs->cpu);
  }
}

TEST(ParseProcCgroupTest, MissingControllersAreNotFound) {
  EXPECT_EQ(ParseProcCgroup("1:name=systemd:/\n", "/r", false).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ParseProcCgroup("1:name=systemd:/\n", "/r", true).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ReadCgroupUsageTest, V1) {
  testing::TempDir root;
  root.WriteFile("cpuacct/c/cpuacct.usage", "123456789\n");
  root.WriteFile("memory/c/memory.usage_in_bytes", "10000\n");
  root.WriteFile("memory/c/memory.stat",
                 "cache 9\nrss 1\ntotal_inactive_file 3000\ntotal_rss 6000\n"
                 "total_pgfault 42\ntotal_pgmajfault 7\n");
  root.WriteFile("memory/c/memory.limit_in_bytes", "9223372036854771712\n");
  root.WriteFile("pids/c/pids.current", "3\n");
  const CgroupDirs dirs{
      .cpu = root.Join("cpuacct/c"), .memory = root.Join("memory/c"), .pids = root.Join("pids/c")};
  auto usage = ReadCgroupUsage(dirs);
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->cpu_ns, 123456789u);
  EXPECT_EQ(usage->memory_bytes, 10000u);
  EXPECT_EQ(usage->working_set_bytes, 7000u);
  EXPECT_EQ(usage->rss_bytes, 6000u);
  EXPECT_EQ(usage->page_faults, 42u);
  EXPECT_EQ(usage->major_page_faults, 7u);
  EXPECT_FALSE(usage->memory_limit) << "the v1 'unlimited' value is no limit";
  EXPECT_FALSE(usage->swap_bytes) << "no memsw files: swap is not accounted";
  EXPECT_EQ(usage->processes, 3u);
}

TEST(ReadCgroupUsageTest, V1SwapFromMemsw) {
  testing::TempDir root;
  root.WriteFile("cpu/cpuacct.usage", "1");
  root.WriteFile("mem/memory.usage_in_bytes", "1000");
  root.WriteFile("mem/memory.stat", "total_inactive_file 5000\n");
  root.WriteFile("mem/memory.limit_in_bytes", "4096");
  root.WriteFile("mem/memory.memsw.usage_in_bytes", "1500");
  root.WriteFile("mem/memory.memsw.limit_in_bytes", "8192");
  auto usage = ReadCgroupUsage({.cpu = root.Join("cpu"), .memory = root.Join("mem")});
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->working_set_bytes, 0u) << "inactive file pages above usage clamp to 0";
  EXPECT_EQ(usage->memory_limit, 4096u);
  EXPECT_EQ(usage->swap_bytes, 500u);
  EXPECT_EQ(usage->swap_limit, 4096u);
  EXPECT_FALSE(usage->processes);
}

TEST(ReadCgroupUsageTest, Unified) {
  testing::TempDir root;
  root.WriteFile("pod/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
  root.WriteFile("pod/memory.current", "8192\n");
  root.WriteFile("pod/memory.stat",
                 "anon 4096\nfile 4096\ninactive_file 1024\npgfault 11\npgmajfault 2\n");
  root.WriteFile("pod/memory.max", "max\n");
  root.WriteFile("pod/memory.swap.current", "0\n");
  root.WriteFile("pod/memory.swap.max", "1048576\n");
  root.WriteFile("pod/pids.current", "5\n");
  const std::string dir = root.Join("pod");
  auto usage = ReadCgroupUsage({.unified = true, .cpu = dir, .memory = dir, .pids = dir});
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->cpu_ns, 2'500'000u);
  EXPECT_EQ(usage->memory_bytes, 8192u);
  EXPECT_EQ(usage->working_set_bytes, 7168u);
  EXPECT_EQ(usage->rss_bytes, 4096u);
  EXPECT_EQ(usage->page_faults, 11u);
  EXPECT_EQ(usage->major_page_faults, 2u);
  EXPECT_FALSE(usage->memory_limit);
  EXPECT_EQ(usage->swap_bytes, 0u);
  EXPECT_EQ(usage->swap_limit, 1048576u);
  EXPECT_EQ(usage->processes, 5u);
}

TEST(ReadCgroupUsageTest, GoneCgroupIsAnError) {
  testing::TempDir root;
  EXPECT_FALSE(ReadCgroupUsage({.cpu = root.Join("x"), .memory = root.Join("x")}).ok());
}

TEST(CgroupsOfProcessTest, ReadsProcAndProbesTheMode) {
  testing::TempDir proc, v2;
  proc.WriteFile("42/cgroup", "0::/a/b\n");
  v2.WriteFile("cgroup.controllers", "cpu memory pids\n");
  auto dirs = CgroupsOfProcess(42, v2.path(), proc.path());
  ASSERT_TRUE(dirs.ok()) << dirs.status();
  EXPECT_TRUE(dirs->unified);
  EXPECT_EQ(dirs->memory, v2.path() + "/a/b");
  EXPECT_EQ(CgroupsOfProcess(43, v2.path(), proc.path()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crio::stats
