#include "stats/cgroup_details.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::stats {
namespace {

constexpr DetailGroups kAll{.cpu = true,
                            .memory = true,
                            .hugetlb = true,
                            .oom = true,
                            .process = true,
                            .spec = true,
                            .disk_io = true,
                            .pressure = true};

constexpr char kLimits[] =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max processes             63704                63704                processes \n"
    "Max open files            1024                 524288               files     \n";

// A fake /proc with process 10 (3 files, one a socket) and 11 (1 file).
void WriteProc(const testing::TempDir& proc) {
  proc.WriteFile("10/limits", kLimits);
  std::filesystem::create_directories(proc.Join("10/fd"));
  std::filesystem::create_directories(proc.Join("11/fd"));
  std::filesystem::create_symlink("/dev/null", proc.Join("10/fd/0"));
  std::filesystem::create_symlink("pipe:[1]", proc.Join("10/fd/1"));
  std::filesystem::create_symlink("socket:[99]", proc.Join("10/fd/2"));
  std::filesystem::create_symlink("/dev/null", proc.Join("11/fd/0"));
}

CgroupDirs V1Dirs(const testing::TempDir& root) {
  return {.cpu = root.Join("cpuacct/c"),
          .memory = root.Join("memory/c"),
          .pids = root.Join("pids/c"),
          .cfs = root.Join("cpu/c"),
          .blkio = root.Join("blkio/c"),
          .hugetlb = root.Join("hugetlb/c"),
          .unified_dir = root.Join("unified/c")};
}

void WriteV1(const testing::TempDir& root) {
  root.WriteFile("cpuacct/c/cpuacct.stat", "user 250\nsystem 100\n");
  root.WriteFile("cpu/c/cpu.stat", "nr_periods 40\nnr_throttled 4\nthrottled_time 2500000000\n");
  root.WriteFile("cpu/c/cpu.cfs_period_us", "100000\n");
  root.WriteFile("cpu/c/cpu.cfs_quota_us", "50000\n");
  root.WriteFile("cpu/c/cpu.shares", "512\n");
  root.WriteFile("memory/c/memory.stat",
                 "cache 1\ntotal_cache 8192\ntotal_mapped_file 4096\ntotal_rss 100\n");
  root.WriteFile("memory/c/memory.kmem.usage_in_bytes", "2048\n");
  root.WriteFile("memory/c/memory.max_usage_in_bytes", "65536\n");
  root.WriteFile("memory/c/memory.failcnt", "3\n");
  root.WriteFile("memory/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  root.WriteFile("memory/c/memory.limit_in_bytes", "67108864\n");
  root.WriteFile("memory/c/memory.soft_limit_in_bytes", "9223372036854771712\n");
  root.WriteFile("memory/c/memory.memsw.limit_in_bytes", "134217728\n");
  root.WriteFile("hugetlb/c/hugetlb.2MB.usage_in_bytes", "4194304\n");
  root.WriteFile("hugetlb/c/hugetlb.2MB.max_usage_in_bytes", "8388608\n");
  root.WriteFile("hugetlb/c/hugetlb.2MB.rsvd.usage_in_bytes", "1\n");
  root.WriteFile("hugetlb/c/hugetlb.1GB.usage_in_bytes", "0\n");
  root.WriteFile("hugetlb/c/hugetlb.1GB.limit_in_bytes", "0\n");
  root.WriteFile("pids/c/cgroup.procs", "10\n11\n");
  root.WriteFile("pids/c/tasks", "10\n11\n12\n");
  root.WriteFile("pids/c/pids.max", "max\n");
  root.WriteFile("blkio/c/blkio.throttle.io_service_bytes_recursive",
                 "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Total 12288\nTotal 12288\n");
  root.WriteFile("blkio/c/blkio.throttle.io_service_bytes", "8:0 Read 1\n");
  root.WriteFile("blkio/c/blkio.throttle.io_serviced", "8:0 Read 3\n8:0 Write 5\nTotal 8\n");
  root.WriteFile("unified/c/cpu.pressure",
                 "some avg10=0.00 avg60=0.00 avg300=0.00 total=3000000\n"
                 "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n");
  root.WriteFile("unified/c/io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
}

TEST(ReadCgroupDetailsTest, V1) {
  testing::TempDir root, proc;
  WriteV1(root);
  WriteProc(proc);
  ASSERT_EQ(::sysconf(_SC_CLK_TCK), 100) << "USER_HZ";
  const CgroupDetails details = ReadCgroupDetails(V1Dirs(root), kAll, 10, proc.path());
  EXPECT_EQ(details.cpu.user_ns, 2'500'000'000u);
  EXPECT_EQ(details.cpu.system_ns, 1'000'000'000u);
  EXPECT_EQ(details.cpu.periods, 40u);
  EXPECT_EQ(details.cpu.throttled_periods, 4u);
  EXPECT_EQ(details.cpu.throttled_ns, 2'500'000'000u);

  EXPECT_EQ(details.memory.cache_bytes, 8192u) << "the hierarchy's total_cache, not cache";
  EXPECT_EQ(details.memory.mapped_file_bytes, 4096u);
  EXPECT_EQ(details.memory.kernel_bytes, 2048u);
  EXPECT_EQ(details.memory.max_usage_bytes, 65536u);
  EXPECT_EQ(details.memory.failcnt, 3u);
  EXPECT_EQ(details.oom_kills, 2u);

  ASSERT_EQ(details.hugetlb.size(), 2u) << "the rsvd files are no page size";
  EXPECT_EQ(details.hugetlb[0].page_size, "1GB");
  EXPECT_EQ(details.hugetlb[0].usage_bytes, 0u);
  EXPECT_FALSE(details.hugetlb[0].max_usage_bytes);
  EXPECT_EQ(details.hugetlb[1].page_size, "2MB");
  EXPECT_EQ(details.hugetlb[1].usage_bytes, 4194304u);
  EXPECT_EQ(details.hugetlb[1].max_usage_bytes, 8388608u);

  EXPECT_EQ(details.process.processes, 2u);
  EXPECT_EQ(details.process.threads, 3u);
  EXPECT_FALSE(details.process.threads_max) << "pids.max is \"max\"";
  EXPECT_EQ(details.process.file_descriptors, 4u);
  EXPECT_EQ(details.process.sockets, 1u);
  EXPECT_EQ(details.process.max_open_files, 1024u);

  EXPECT_EQ(details.spec.cpu_period_us, 100000u);
  EXPECT_EQ(details.spec.cpu_quota_us, 50000u);
  EXPECT_EQ(details.spec.cpu_shares, 512u);
  EXPECT_EQ(details.spec.memory_limit_bytes, 67108864u);
  EXPECT_FALSE(details.spec.memory_reservation_bytes) << "unlimited";
  EXPECT_EQ(details.spec.memory_swap_limit_bytes, 134217728u);

  ASSERT_EQ(details.io.size(), 1u);
  EXPECT_EQ(details.io[0].device, "8:0");
  EXPECT_EQ(details.io[0].read_bytes, 4096u) << "the recursive file first";
  EXPECT_EQ(details.io[0].write_bytes, 8192u);
  EXPECT_EQ(details.io[0].reads, 3u) << "no recursive file: the plain one";
  EXPECT_EQ(details.io[0].writes, 5u);

  ASSERT_TRUE(details.cpu_pressure);
  EXPECT_EQ(details.cpu_pressure->some_us, 3000000u);
  EXPECT_EQ(details.cpu_pressure->full_us, 1000000u);
  EXPECT_FALSE(details.memory_pressure) << "no memory.pressure file";
  ASSERT_TRUE(details.io_pressure);
  EXPECT_EQ(details.io_pressure->some_us, 7u);
  EXPECT_FALSE(details.io_pressure->full_us);
}

TEST(ReadCgroupDetailsTest, V1QuotaMinusOneIsNoQuota) {
  testing::TempDir root;
  root.WriteFile("cpu/c/cpu.cfs_quota_us", "-1\n");
  EXPECT_FALSE(ReadCgroupDetails(V1Dirs(root), kAll, 1, root.path()).spec.cpu_quota_us);
}

TEST(ReadCgroupDetailsTest, Unified) {
  testing::TempDir root, proc;
  WriteProc(proc);
  root.WriteFile("c/cpu.stat",
                 "usage_usec 5000000\nuser_usec 3000000\nsystem_usec 2000000\n"
                 "nr_periods 10\nnr_throttled 1\nthrottled_usec 400000\n");
  root.WriteFile("c/cpu.max", "max 100000\n");
  root.WriteFile("c/cpu.weight", "20\n");
  root.WriteFile("c/memory.stat", "anon 10\nfile 8192\nfile_mapped 4096\nkernel 1024\n");
  root.WriteFile("c/memory.events", "low 0\nhigh 0\nmax 6\noom 1\noom_kill 1\n");
  root.WriteFile("c/memory.max", "67108864\n");
  root.WriteFile("c/memory.low", "0\n");
  root.WriteFile("c/memory.swap.max", "max\n");
  root.WriteFile("c/hugetlb.2MB.current", "2097152\n");
  root.WriteFile("c/hugetlb.2MB.rsvd.current", "1\n");
  root.WriteFile("c/hugetlb.2MB.max", "max\n");
  root.WriteFile("c/cgroup.procs", "10\n");
  root.WriteFile("c/cgroup.threads", "10\n13\n");
  root.WriteFile("c/pids.max", "100\n");
  root.WriteFile("c/io.stat",
                 "8:0 rbytes=4096 wbytes=8192 rios=3 wios=5 dbytes=0 dios=0\n"
                 "253:1 rbytes=1 wbytes=2 rios=3 wios=4\n");
  root.WriteFile("c/memory.pressure",
                 "some avg10=0.00 avg60=0.00 avg300=0.00 total=12\n"
                 "full avg10=0.00 avg60=0.00 avg300=0.00 total=8\n");
  const std::string dir = root.Join("c");
  const CgroupDirs dirs{.unified = true,
                        .cpu = dir,
                        .memory = dir,
                        .pids = dir,
                        .cfs = dir,
                        .blkio = dir,
                        .hugetlb = dir,
                        .unified_dir = dir};
  const CgroupDetails details = ReadCgroupDetails(dirs, kAll, 10, proc.path());
  EXPECT_EQ(details.cpu.user_ns, 3'000'000'000u);
  EXPECT_EQ(details.cpu.system_ns, 2'000'000'000u);
  EXPECT_EQ(details.cpu.periods, 10u);
  EXPECT_EQ(details.cpu.throttled_periods, 1u);
  EXPECT_EQ(details.cpu.throttled_ns, 400'000'000u);

  EXPECT_EQ(details.memory.cache_bytes, 8192u);
  EXPECT_EQ(details.memory.mapped_file_bytes, 4096u);
  EXPECT_EQ(details.memory.kernel_bytes, 1024u);
  EXPECT_FALSE(details.memory.max_usage_bytes) << "no memory.peak on this kernel";
  EXPECT_EQ(details.memory.failcnt, 6u);
  EXPECT_EQ(details.oom_kills, 1u);

  ASSERT_EQ(details.hugetlb.size(), 1u);
  EXPECT_EQ(details.hugetlb[0].page_size, "2MB");
  EXPECT_EQ(details.hugetlb[0].usage_bytes, 2097152u);
  EXPECT_FALSE(details.hugetlb[0].max_usage_bytes) << "v2 keeps no maximum";

  EXPECT_EQ(details.process.processes, 1u);
  EXPECT_EQ(details.process.threads, 2u);
  EXPECT_EQ(details.process.threads_max, 100u);
  EXPECT_EQ(details.process.file_descriptors, 3u);
  EXPECT_EQ(details.process.sockets, 1u);
  EXPECT_EQ(details.process.max_open_files, 1024u);

  EXPECT_FALSE(details.spec.cpu_quota_us) << "max";
  EXPECT_EQ(details.spec.cpu_period_us, 100000u);
  // 512 shares became cpu.weight 20; the conversion back loses the rounding.
  EXPECT_EQ(details.spec.cpu_shares, 500u);
  EXPECT_EQ(details.spec.memory_limit_bytes, 67108864u);
  EXPECT_EQ(details.spec.memory_reservation_bytes, 0u);
  EXPECT_FALSE(details.spec.memory_swap_limit_bytes);

  ASSERT_EQ(details.io.size(), 2u);
  EXPECT_EQ(details.io[0].device, "8:0");
  EXPECT_EQ(details.io[0].read_bytes, 4096u);
  EXPECT_EQ(details.io[0].write_bytes, 8192u);
  EXPECT_EQ(details.io[0].reads, 3u);
  EXPECT_EQ(details.io[0].writes, 5u);
  EXPECT_EQ(details.io[1].device, "253:1");

  EXPECT_FALSE(details.cpu_pressure);
  ASSERT_TRUE(details.memory_pressure);
  EXPECT_EQ(details.memory_pressure->some_us, 12u);
  EXPECT_EQ(details.memory_pressure->full_us, 8u);
}

TEST(ReadCgroupDetailsTest, AbsentFilesLeaveEverythingAbsent) {
  testing::TempDir root;
  const CgroupDetails details = ReadCgroupDetails(V1Dirs(root), kAll, 1, root.path());
  EXPECT_FALSE(details.cpu.user_ns);
  EXPECT_FALSE(details.cpu.periods);
  EXPECT_FALSE(details.memory.cache_bytes);
  EXPECT_FALSE(details.memory.kernel_bytes);
  EXPECT_FALSE(details.memory.max_usage_bytes);
  EXPECT_FALSE(details.memory.failcnt);
  EXPECT_TRUE(details.hugetlb.empty());
  EXPECT_FALSE(details.oom_kills);
  EXPECT_FALSE(details.process.processes);
  EXPECT_FALSE(details.process.threads);
  EXPECT_FALSE(details.process.file_descriptors);
  EXPECT_FALSE(details.process.max_open_files);
  EXPECT_FALSE(details.spec.cpu_shares);
  EXPECT_FALSE(details.spec.memory_limit_bytes);
  EXPECT_TRUE(details.io.empty());
  EXPECT_FALSE(details.cpu_pressure);
  EXPECT_FALSE(details.io_pressure);
}

TEST(ReadCgroupDetailsTest, OnlyTheGroupsAskedFor) {
  testing::TempDir root, proc;
  WriteV1(root);
  WriteProc(proc);
  const CgroupDetails details = ReadCgroupDetails(V1Dirs(root), {.memory = true}, 10, proc.path());
  EXPECT_EQ(details.memory.cache_bytes, 8192u);
  EXPECT_FALSE(details.cpu.user_ns);
  EXPECT_TRUE(details.hugetlb.empty());
  EXPECT_FALSE(details.oom_kills);
  EXPECT_FALSE(details.process.processes);
  EXPECT_FALSE(details.spec.memory_limit_bytes);
  EXPECT_TRUE(details.io.empty());
  EXPECT_FALSE(details.cpu_pressure);
}

TEST(ParsersTest, PressureWithoutTotalsIsAbsent) {
  EXPECT_FALSE(ParsePressure(""));
  EXPECT_FALSE(ParsePressure("some avg10=0.00\n"));
}

}  // namespace
}  // namespace crio::stats
