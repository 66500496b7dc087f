#include "server/pod_metric_samples.h"

#include <filesystem>
#include <initializer_list>
#include <string_view>

#include "server/pod_metric_descriptors.h"

namespace crio::server {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kUsPerSecond = 1'000'000;

// Counters kept in finer units are reported in whole seconds, as cAdvisor's are read.
std::optional<uint64_t> Seconds(std::optional<uint64_t> value, uint64_t per_second) {
  return value ? std::optional(*value / per_second) : std::nullopt;
}

// Appends samples that share a timestamp and the leading label values.
class MetricSink {
 public:
  MetricSink(google::protobuf::RepeatedPtrField<v1::Metric>& out, int64_t timestamp,
             std::vector<std::string> labels)
      : out_(out), timestamp_(timestamp), labels_(std::move(labels)) {}

  // REQUIRES: `name` is a descriptor's, `extra` has a value per its extra label.
  void Add(std::string_view name, std::optional<uint64_t> value,
           std::initializer_list<std::string> extra = {}) {
    if (!value) return;
    const PodMetricDescriptor* descriptor = FindPodMetricDescriptor(name);
    v1::Metric& metric = *out_.Add();
    metric.set_name(std::string(name));
    metric.set_timestamp(timestamp_);
    metric.set_metric_type(descriptor != nullptr ? descriptor->type : v1::GAUGE);
    for (const std::string& label : labels_) metric.add_label_values(label);
    for (const std::string& label : extra) metric.add_label_values(label);
    metric.mutable_value()->set_value(*value);
  }

 private:
  google::protobuf::RepeatedPtrField<v1::Metric>& out_;
  const int64_t timestamp_;
  const std::vector<std::string> labels_;
};

void AddCpu(const ContainerMetricSources& from, MetricSink& sink) {
  const stats::CpuDetails& cpu = from.details.cpu;
  sink.Add("container_cpu_usage_seconds_total", from.usage.cgroup->cpu_ns / kNsPerSecond);
  sink.Add("container_cpu_user_seconds_total", Seconds(cpu.user_ns, kNsPerSecond));
  sink.Add("container_cpu_system_seconds_total", Seconds(cpu.system_ns, kNsPerSecond));
  sink.Add("container_cpu_cfs_periods_total", cpu.periods);
  sink.Add("container_cpu_cfs_throttled_periods_total", cpu.throttled_periods);
  sink.Add("container_cpu_cfs_throttled_seconds_total", Seconds(cpu.throttled_ns, kNsPerSecond));
}

void AddMemory(const ContainerMetricSources& from, MetricSink& sink) {
  const stats::CgroupUsage& usage = *from.usage.cgroup;
  const stats::MemoryDetails& memory = from.details.memory;
  sink.Add("container_memory_usage_bytes", usage.memory_bytes);
  sink.Add("container_memory_working_set_bytes", usage.working_set_bytes);
  sink.Add("container_memory_rss", usage.rss_bytes);
  sink.Add("container_memory_cache", memory.cache_bytes);
  sink.Add("container_memory_swap", usage.swap_bytes);
  sink.Add("container_memory_mapped_file", memory.mapped_file_bytes);
  sink.Add("container_memory_kernel_usage", memory.kernel_bytes);
  sink.Add("container_memory_max_usage_bytes", memory.max_usage_bytes);
  sink.Add("container_memory_failcnt", memory.failcnt);
  sink.Add("container_memory_failures_total", usage.page_faults, {"pgfault", "container"});
  sink.Add("container_memory_failures_total", usage.major_page_faults, {"pgmajfault", "container"});
}

void AddHugetlb(const ContainerMetricSources& from, MetricSink& sink) {
  for (const stats::HugetlbUsage& size : from.details.hugetlb) {
    sink.Add("container_hugetlb_usage_bytes", size.usage_bytes, {size.page_size});
    sink.Add("container_hugetlb_max_usage_bytes", size.max_usage_bytes, {size.page_size});
  }
}

void AddProcess(const ContainerMetricSources& from, MetricSink& sink) {
  const stats::ProcessDetails& process = from.details.process;
  sink.Add("container_processes",
           process.processes ? process.processes : from.usage.cgroup->processes);
  sink.Add("container_threads", process.threads);
  sink.Add("container_threads_max", process.threads_max);
  sink.Add("container_file_descriptors", process.file_descriptors);
  sink.Add("container_sockets", process.sockets);
  sink.Add("container_ulimits_soft", process.max_open_files, {"max_open_files"});
}

void AddSpec(const ContainerMetricSources& from, MetricSink& sink) {
  const stats::SpecDetails& spec = from.details.spec;
  sink.Add("container_spec_cpu_period", spec.cpu_period_us);
  sink.Add("container_spec_cpu_quota", spec.cpu_quota_us);
  sink.Add("container_spec_cpu_shares", spec.cpu_shares);
  sink.Add("container_spec_memory_limit_bytes", spec.memory_limit_bytes);
  sink.Add("container_spec_memory_reservation_limit_bytes", spec.memory_reservation_bytes);
  sink.Add("container_spec_memory_swap_limit_bytes", spec.memory_swap_limit_bytes);
  if (from.container.started_at > 0) {
    sink.Add("container_start_time_seconds",
             static_cast<uint64_t>(from.container.started_at) / kNsPerSecond);
  }
}

void AddDisk(const ContainerMetricSources& from, MetricSink& sink) {
  if (!from.filesystem) return;
  const stats::FilesystemInfo& fs = *from.filesystem;
  sink.Add("container_fs_usage_bytes", from.usage.writable_layer.bytes, {fs.device});
  sink.Add("container_fs_limit_bytes", fs.capacity_bytes, {fs.device});
  sink.Add("container_fs_inodes_free", fs.inodes_free, {fs.device});
  sink.Add("container_fs_inodes_total", fs.inodes_total, {fs.device});
}

void AddDiskIo(const ContainerMetricSources& from, MetricSink& sink) {
  for (const stats::DeviceIo& io : from.details.io) {
    const std::string device = stats::BlockDeviceName(io.device);
    const size_t colon = io.device.find(':');
    const std::string major = io.device.substr(0, colon);
    const std::string minor = colon == std::string::npos ? "" : io.device.substr(colon + 1);
    sink.Add("container_fs_reads_bytes_total", io.read_bytes, {device});
    sink.Add("container_fs_writes_bytes_total", io.write_bytes, {device});
    sink.Add("container_fs_reads_total", io.reads, {device});
    sink.Add("container_fs_writes_total", io.writes, {device});
    sink.Add("container_blkio_device_usage_total", io.read_bytes, {device, major, minor, "Read"});
    sink.Add("container_blkio_device_usage_total", io.write_bytes, {device, major, minor, "Write"});
  }
}

void AddPressure(const ContainerMetricSources& from, MetricSink& sink) {
  const auto add = [&](const std::optional<stats::Pressure>& pressure, std::string_view waiting,
                       std::string_view stalled) {
    if (!pressure) return;
    sink.Add(waiting, Seconds(pressure->some_us, kUsPerSecond));
    sink.Add(stalled, Seconds(pressure->full_us, kUsPerSecond));
  };
  add(from.details.cpu_pressure, "container_pressure_cpu_waiting_seconds_total",
      "container_pressure_cpu_stalled_seconds_total");
  add(from.details.memory_pressure, "container_pressure_memory_waiting_seconds_total",
      "container_pressure_memory_stalled_seconds_total");
  add(from.details.io_pressure, "container_pressure_io_waiting_seconds_total",
      "container_pressure_io_stalled_seconds_total");
}

// The writable layer's filesystem: the one holding the directory its overlay is mounted in
// (the mount itself is an overlay, with no device of its own).
std::optional<stats::FilesystemInfo> WritableLayerFilesystem(const stats::ContainerUsage& usage,
                                                             stats::FilesystemLookup& filesystems) {
  if (usage.writable_layer_mountpoint.empty()) return std::nullopt;
  auto found =
      filesystems.Of(std::filesystem::path(usage.writable_layer_mountpoint).parent_path().string());
  return found.ok() ? std::optional(*std::move(found)) : std::nullopt;
}

}  // namespace

stats::DetailGroups DetailGroupsOf(const std::set<std::string>& groups) {
  return {.cpu = groups.contains("cpu"),
          .memory = groups.contains("memory"),
          .hugetlb = groups.contains("hugetlb"),
          .oom = groups.contains("oom"),
          .process = groups.contains("process"),
          .spec = groups.contains("spec"),
          .disk_io = groups.contains("diskIO"),
          .pressure = groups.contains("pressure")};
}

void AddContainerSamples(const ContainerMetricSources& sources, const std::set<std::string>& groups,
                         int64_t timestamp, google::protobuf::RepeatedPtrField<v1::Metric>& out) {
  const container::Container& container = sources.container;
  MetricSink sink(out, timestamp, {container.id, container.request.name, container.image_name});
  if (groups.contains("cpu")) AddCpu(sources, sink);
  if (groups.contains("hugetlb")) AddHugetlb(sources, sink);
  if (groups.contains("memory")) AddMemory(sources, sink);
  if (groups.contains("oom")) sink.Add("container_oom_events_total", sources.details.oom_kills);
  if (groups.contains("process")) AddProcess(sources, sink);
  if (groups.contains("spec")) AddSpec(sources, sink);
  if (groups.contains("disk")) AddDisk(sources, sink);
  if (groups.contains("diskIO")) AddDiskIo(sources, sink);
  if (groups.contains("pressure")) AddPressure(sources, sink);
}

void AddNetworkSamples(const sandbox::Sandbox& pod,
                       const std::vector<stats::InterfaceUsage>& interfaces, int64_t timestamp,
                       google::protobuf::RepeatedPtrField<v1::Metric>& out) {
  for (const stats::InterfaceUsage& found : interfaces) {
    MetricSink sink(out, timestamp, {pod.id, pod.spec.metadata.name, ""});
    sink.Add("container_network_receive_bytes_total", found.rx_bytes, {found.name});
    sink.Add("container_network_receive_packets_total", found.rx_packets, {found.name});
    sink.Add("container_network_receive_packets_dropped_total", found.rx_dropped, {found.name});
    sink.Add("container_network_receive_errors_total", found.rx_errors, {found.name});
    sink.Add("container_network_transmit_bytes_total", found.tx_bytes, {found.name});
    sink.Add("container_network_transmit_packets_total", found.tx_packets, {found.name});
    sink.Add("container_network_transmit_packets_dropped_total", found.tx_dropped, {found.name});
    sink.Add("container_network_transmit_errors_total", found.tx_errors, {found.name});
  }
}

void FillPodMetrics(const sandbox::Sandbox& pod, const std::vector<container::Container>& members,
                    const std::set<std::string>& groups, stats::ContainerStatsCollector& collector,
                    stats::FilesystemLookup& filesystems, v1::PodSandboxMetrics& out) {
  out.set_pod_sandbox_id(pod.id);
  const int64_t now = collector.Now();
  const stats::DetailGroups detail_groups = DetailGroupsOf(groups);
  for (const container::Container& member : members) {
    const stats::ContainerUsage usage =
        collector.Collect(member, stats::ContainerStatsCollector::CpuRate::kSkip);
    v1::ContainerMetrics& container = *out.add_container_metrics();
    container.set_container_id(member.id);
    if (!usage.cgroup) continue;
    const stats::CgroupDetails details = collector.CollectDetails(member, usage, detail_groups);
    const std::optional<stats::FilesystemInfo> filesystem =
        groups.contains("disk") ? WritableLayerFilesystem(usage, filesystems) : std::nullopt;
    AddContainerSamples({member, usage, details, filesystem}, groups, now,
                        *container.mutable_metrics());
  }
  if (!groups.contains("network") || pod.netns_path.empty()) return;
  auto interfaces = stats::NetworkUsageIn(pod.netns_path);
  if (interfaces.ok()) AddNetworkSamples(pod, *interfaces, now, *out.mutable_metrics());
}

}  // namespace crio::server
