#include "server/pod_metric_samples.h"

#include <map>

#include "gtest/gtest.h"
#include "server/pod_metric_descriptors.h"

namespace crio::server {
namespace {

const std::set<std::string> kAllGroups = IncludedGroups({"all"});

container::Container Member() {
  container::Container member;
  member.id = "c1";
  member.request.name = "app";
  member.image_name = "busybox:latest";
  member.started_at = int64_t{1'700'000'000} * 1'000'000'000 + 5;
  return member;
}

stats::ContainerUsage Usage() {
  stats::ContainerUsage usage;
  usage.cgroup = stats::CgroupUsage{.cpu_ns = 3'900'000'000,
                                    .memory_bytes = 4096,
                                    .working_set_bytes = 2048,
                                    .rss_bytes = 1024,
                                    .page_faults = 10,
                                    .major_page_faults = 1,
                                    .swap_bytes = 0,
                                    .processes = 7};
  usage.writable_layer = {.bytes = 12288, .inodes = 3};
  return usage;
}

stats::CgroupDetails FullDetails() {
  stats::CgroupDetails details;
  details.cpu = {.user_ns = 2'500'000'000,
                 .system_ns = 1'000'000'000,
                 .periods = 40,
                 .throttled_periods = 4,
                 .throttled_ns = 7'000'000'000};
  details.memory = {.cache_bytes = 1,
                    .mapped_file_bytes = 2,
                    .kernel_bytes = 3,
                    .max_usage_bytes = 4,
                    .failcnt = 5};
  details.hugetlb = {{.page_size = "2MB", .usage_bytes = 6, .max_usage_bytes = 7}};
  details.oom_kills = 0;
  details.process = {.processes = 2,
                     .threads = 3,
                     .threads_max = 100,
                     .file_descriptors = 9,
                     .sockets = 1,
                     .max_open_files = 1024};
  details.spec = {.cpu_period_us = 100000,
                  .cpu_quota_us = 50000,
                  .cpu_shares = 512,
                  .memory_limit_bytes = 64 << 20,
                  .memory_reservation_bytes = 0,
                  .memory_swap_limit_bytes = 128 << 20};
  details.io = {{.device = "8:0", .read_bytes = 1, .write_bytes = 2, .reads = 3, .writes = 4}};
  details.cpu_pressure = stats::Pressure{.some_us = 3'500'000, .full_us = 1'000'000};
  details.memory_pressure = stats::Pressure{.some_us = 0, .full_us = 0};
  details.io_pressure = stats::Pressure{.some_us = 0, .full_us = 0};
  return details;
}

google::protobuf::RepeatedPtrField<v1::Metric> Samples(
    const stats::CgroupDetails& details, const std::optional<stats::FilesystemInfo>& fs,
    const std::set<std::string>& groups) {
  const container::Container member = Member();
  const stats::ContainerUsage usage = Usage();
  google::protobuf::RepeatedPtrField<v1::Metric> out;
  AddContainerSamples({member, usage, details, fs}, groups, 99, out);
  return out;
}

// The value of the first sample named `name` whose extra labels start with `extra`.
std::optional<uint64_t> ValueOf(const google::protobuf::RepeatedPtrField<v1::Metric>& samples,
                                const std::string& name,
                                const std::vector<std::string>& extra = {}) {
  for (const v1::Metric& sample : samples) {
    if (sample.name() != name) continue;
    bool matches = true;
    for (size_t i = 0; i < extra.size(); ++i) {
      matches &= sample.label_values(static_cast<int>(3 + i)) == extra[i];
    }
    if (matches) return sample.value().value();
  }
  return std::nullopt;
}

TEST(PodMetricSamplesTest, EverySampleMatchesItsDescriptorAndEveryDescriptorHasSamples) {
  const stats::FilesystemInfo fs{
      .device = "/dev/sda1", .capacity_bytes = 1 << 30, .inodes_total = 1000, .inodes_free = 900};
  google::protobuf::RepeatedPtrField<v1::Metric> samples = Samples(FullDetails(), fs, kAllGroups);
  sandbox::Sandbox pod;
  pod.id = "p1";
  pod.spec.metadata.name = "pod";
  AddNetworkSamples(pod, {{.name = "eth0", .rx_bytes = 1}}, 99, samples);

  std::set<std::string> seen;
  for (const v1::Metric& sample : samples) {
    const PodMetricDescriptor* descriptor = FindPodMetricDescriptor(sample.name());
    ASSERT_NE(descriptor, nullptr) << sample.name();
    EXPECT_EQ(sample.label_values_size(), 3 + static_cast<int>(descriptor->extra_labels.size()))
        << sample.name();
    EXPECT_EQ(sample.metric_type(), descriptor->type) << sample.name();
    EXPECT_EQ(sample.timestamp(), 99);
    seen.insert(sample.name());
  }
  for (const PodMetricDescriptor& descriptor : PodMetricDescriptors()) {
    EXPECT_TRUE(seen.contains(std::string(descriptor.name))) << descriptor.name;
  }
}

TEST(PodMetricSamplesTest, ValuesAndLabels) {
  const auto samples = Samples(FullDetails(), std::nullopt, kAllGroups);
  EXPECT_EQ(samples[0].label_values(0), "c1");
  EXPECT_EQ(samples[0].label_values(1), "app");
  EXPECT_EQ(samples[0].label_values(2), "busybox:latest");
  EXPECT_EQ(ValueOf(samples, "container_cpu_usage_seconds_total"), 3u) << "whole seconds";
  EXPECT_EQ(ValueOf(samples, "container_cpu_user_seconds_total"), 2u);
  EXPECT_EQ(ValueOf(samples, "container_cpu_cfs_throttled_seconds_total"), 7u);
  EXPECT_EQ(ValueOf(samples, "container_memory_failures_total", {"pgmajfault", "container"}), 1u);
  EXPECT_EQ(ValueOf(samples, "container_hugetlb_usage_bytes", {"2MB"}), 6u);
  EXPECT_EQ(ValueOf(samples, "container_processes"), 2u) << "cgroup.procs over pids.current";
  EXPECT_EQ(ValueOf(samples, "container_ulimits_soft", {"max_open_files"}), 1024u);
  EXPECT_EQ(ValueOf(samples, "container_spec_memory_limit_bytes"), 64u << 20);
  EXPECT_EQ(ValueOf(samples, "container_start_time_seconds"), 1'700'000'000u);
  EXPECT_EQ(ValueOf(samples, "container_blkio_device_usage_total", {}), 1u);
  EXPECT_EQ(ValueOf(samples, "container_pressure_cpu_waiting_seconds_total"), 3u);
  EXPECT_EQ(ValueOf(samples, "container_pressure_cpu_stalled_seconds_total"), 1u);
  EXPECT_FALSE(ValueOf(samples, "container_fs_usage_bytes")) << "no filesystem, no disk samples";
}

TEST(PodMetricSamplesTest, AbsentFiguresAreNoSamples) {
  const auto samples = Samples(stats::CgroupDetails(), std::nullopt, kAllGroups);
  std::set<std::string> names;
  for (const v1::Metric& sample : samples) names.insert(sample.name());
  // Only what ContainerUsage always has, and the start time.
  EXPECT_EQ(names, (std::set<std::string>{
                       "container_cpu_usage_seconds_total", "container_memory_usage_bytes",
                       "container_memory_working_set_bytes", "container_memory_rss",
                       "container_memory_swap", "container_memory_failures_total",
                       "container_processes", "container_start_time_seconds"}));
  EXPECT_EQ(ValueOf(samples, "container_processes"), 7u) << "pids.current without cgroup.procs";
}

TEST(PodMetricSamplesTest, OnlyTheIncludedGroups) {
  const auto samples = Samples(FullDetails(), std::nullopt, {"oom", "spec"});
  for (const v1::Metric& sample : samples) {
    const std::string_view group = FindPodMetricDescriptor(sample.name())->group;
    EXPECT_TRUE(group == "oom" || group == "spec") << sample.name();
  }
  EXPECT_EQ(ValueOf(samples, "container_oom_events_total"), 0u);
  const stats::DetailGroups detail = DetailGroupsOf({"oom", "spec"});
  EXPECT_TRUE(detail.oom && detail.spec);
  EXPECT_FALSE(detail.cpu || detail.memory || detail.hugetlb || detail.process || detail.disk_io ||
               detail.pressure);
}

TEST(PodMetricDescriptorsTest, AllExpandsToEveryGroup) {
  EXPECT_EQ(kAllGroups, (std::set<std::string>{"all", "cpu", "disk", "diskIO", "hugetlb", "memory",
                                               "network", "oom", "pressure", "process", "spec"}));
  google::protobuf::RepeatedPtrField<v1::MetricDescriptor> descriptors;
  FillDescriptors({"diskIO"}, descriptors);
  ASSERT_EQ(descriptors.size(), 5);
  const v1::MetricDescriptor& blkio = descriptors[4];
  EXPECT_EQ(blkio.name(), "container_blkio_device_usage_total");
  EXPECT_EQ(
      std::vector<std::string>(blkio.label_keys().begin(), blkio.label_keys().end()),
      (std::vector<std::string>{"id", "name", "image", "device", "major", "minor", "operation"}));
}

}  // namespace
}  // namespace crio::server
