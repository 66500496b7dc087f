#include "stats/container_stats.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::stats {
namespace {

class ContainerStatsCollectorTest : public ::testing::Test {
 protected:
  ContainerStatsCollectorTest()
      : files_(*storage::StoreFiles::Open(storage_.path(), storage_.Join("run"))),
        layers_(*files_),
        collector_({.cgroup_root = cgroups_.path(),
                    .proc_root = proc_.path(),
                    .now_ns = [this] { return now_; }},
                   layers_) {
    proc_.WriteFile("7/cgroup", "0::/c\n");
    cgroups_.WriteFile("cgroup.controllers", "cpu memory\n");
    cgroups_.WriteFile("c/memory.current", "100\n");
    cgroups_.WriteFile("c/memory.stat", "inactive_file 10\n");
    SetCpu(0);
  }

  void SetCpu(uint64_t usec) {
    cgroups_.WriteFile("c/cpu.stat", "usage_usec " + std::to_string(usec));
  }

  container::Container Running() const {
    return {.id = "abc", .state = container::ContainerState::kRunning, .pid = 7};
  }

  testing::TempDir storage_, proc_, cgroups_;
  std::unique_ptr<storage::StoreFiles> files_;
  storage::ContainerLayers layers_;
  int64_t now_ = 1'000'000'000;
  ContainerStatsCollector collector_;
};

TEST_F(ContainerStatsCollectorTest, RateNeedsTwoSamples) {
  ContainerUsage first = collector_.Collect(Running());
  ASSERT_TRUE(first.cgroup);
  EXPECT_EQ(first.timestamp, now_);
  EXPECT_EQ(first.cgroup->working_set_bytes, 90u);
  EXPECT_FALSE(first.nano_cores);

  now_ += 2'000'000'000;  // two seconds later, one CPU-second more: half a core
  SetCpu(1'000'000);
  ContainerUsage second = collector_.Collect(Running());
  ASSERT_TRUE(second.nano_cores);
  EXPECT_EQ(*second.nano_cores, 500'000'000u);
}

TEST_F(ContainerStatsCollectorTest, SamplesThatSkipTheRateLeaveItAlone) {
  collector_.Collect(Running());
  now_ += 1'000'000;  // a pod-metrics sample a millisecond later
  SetCpu(1'000);
  const ContainerUsage skipped =
      collector_.Collect(Running(), ContainerStatsCollector::CpuRate::kSkip);
  EXPECT_FALSE(skipped.nano_cores);
  EXPECT_EQ(skipped.cgroup->cpu_ns, 1'000'000u);

  now_ += 1'999'000'000;  // the rate still spans the two seconds since the stats sample
  SetCpu(1'000'000);
  ContainerUsage second = collector_.Collect(Running());
  ASSERT_TRUE(second.nano_cores);
  EXPECT_EQ(*second.nano_cores, 500'000'000u);
}

TEST_F(ContainerStatsCollectorTest, WritableLayerIsCounted) {
  storage_.WriteFile("overlay/" + storage::ContainerLayers::LayerId("abc") + "/diff/data",
                     std::string(1000, 'x'));
  ContainerUsage usage = collector_.Collect(Running());
  EXPECT_EQ(usage.writable_layer.bytes, 1000u);
  EXPECT_EQ(usage.writable_layer.inodes, 1u);
  EXPECT_EQ(usage.writable_layer_mountpoint, layers_.MountPoint("abc"));
}

TEST_F(ContainerStatsCollectorTest, ExitedContainerHasNoCgroupUsage) {
  container::Container exited = Running();
  exited.state = container::ContainerState::kExited;
  EXPECT_FALSE(collector_.Collect(exited).cgroup);
  container::Container gone = Running();
  gone.pid = 8;  // no /proc entry
  EXPECT_FALSE(collector_.Collect(gone).cgroup);
}

}  // namespace
}  // namespace crio::stats
