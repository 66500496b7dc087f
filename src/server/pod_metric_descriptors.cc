#include "server/pod_metric_descriptors.h"

#include <array>

namespace crio::server {
namespace {

using Labels = std::span<const std::string_view>;

constexpr std::array<std::string_view, 1> kInterface = {"interface"};
constexpr std::array<std::string_view, 1> kDevice = {"device"};
constexpr std::array<std::string_view, 1> kSize = {"size"};
constexpr std::array<std::string_view, 1> kUlimit = {"ulimit"};
constexpr std::array<std::string_view, 2> kFailure = {"failure_type", "scope"};
constexpr std::array<std::string_view, 4> kBlkio = {"device", "major", "minor", "operation"};

constexpr PodMetricDescriptor kDescriptors[] = {
    // cpu
    {"cpu",
     "container_cpu_usage_seconds_total",
     "Cumulative cpu time consumed in seconds.",
     v1::COUNTER,
     {}},
    {"cpu",
     "container_cpu_user_seconds_total",
     "Cumulative user cpu time consumed in seconds.",
     v1::COUNTER,
     {}},
    {"cpu",
     "container_cpu_system_seconds_total",
     "Cumulative system cpu time consumed in seconds.",
     v1::COUNTER,
     {}},
    {"cpu",
     "container_cpu_cfs_periods_total",
     "Number of elapsed enforcement period intervals.",
     v1::COUNTER,
     {}},
    {"cpu",
     "container_cpu_cfs_throttled_periods_total",
     "Number of throttled period intervals.",
     v1::COUNTER,
     {}},
    {"cpu",
     "container_cpu_cfs_throttled_seconds_total",
     "Total time duration the container has been throttled.",
     v1::COUNTER,
     {}},
    // hugetlb
    {"hugetlb", "container_hugetlb_usage_bytes", "Current hugepage usage in bytes.", v1::GAUGE,
     Labels(kSize)},
    {"hugetlb", "container_hugetlb_max_usage_bytes",
     "Maximum hugepage usage recorded in bytes (cgroup v1 only).", v1::GAUGE, Labels(kSize)},
    // memory
    {"memory",
     "container_memory_usage_bytes",
     "Current memory usage in bytes, including all memory regardless of when it was accessed.",
     v1::GAUGE,
     {}},
    {"memory",
     "container_memory_working_set_bytes",
     "Current working set in bytes.",
     v1::GAUGE,
     {}},
    {"memory", "container_memory_rss", "Size of RSS in bytes.", v1::GAUGE, {}},
    {"memory", "container_memory_cache", "Number of bytes of page cache memory.", v1::GAUGE, {}},
    {"memory", "container_memory_swap", "Container swap usage in bytes.", v1::GAUGE, {}},
    {"memory",
     "container_memory_mapped_file",
     "Size of memory mapped files in bytes.",
     v1::GAUGE,
     {}},
    {"memory",
     "container_memory_kernel_usage",
     "Size of kernel memory allocated in bytes.",
     v1::GAUGE,
     {}},
    {"memory",
     "container_memory_max_usage_bytes",
     "Maximum memory usage recorded in bytes.",
     v1::GAUGE,
     {}},
    {"memory", "container_memory_failcnt", "Number of memory usage hits limits.", v1::COUNTER, {}},
    {"memory", "container_memory_failures_total", "Cumulative count of memory allocation failures.",
     v1::COUNTER, Labels(kFailure)},
    // network (the pod's)
    {"network", "container_network_receive_bytes_total", "Cumulative count of bytes received.",
     v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_receive_packets_total", "Cumulative count of packets received.",
     v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_receive_packets_dropped_total",
     "Cumulative count of packets dropped while receiving.", v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_receive_errors_total",
     "Cumulative count of errors encountered while receiving.", v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.",
     v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_transmit_packets_total",
     "Cumulative count of packets transmitted.", v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_transmit_packets_dropped_total",
     "Cumulative count of packets dropped while transmitting.", v1::COUNTER, Labels(kInterface)},
    {"network", "container_network_transmit_errors_total",
     "Cumulative count of errors encountered while transmitting.", v1::COUNTER, Labels(kInterface)},
    // oom
    {"oom",
     "container_oom_events_total",
     "Count of out of memory events observed for the container.",
     v1::COUNTER,
     {}},
    // process
    {"process",
     "container_processes",
     "Number of processes running inside the container.",
     v1::GAUGE,
     {}},
    {"process",
     "container_threads",
     "Number of threads running inside the container.",
     v1::GAUGE,
     {}},
    {"process",
     "container_threads_max",
     "Maximum number of threads allowed inside the container (absent when unlimited).",
     v1::GAUGE,
     {}},
    {"process",
     "container_file_descriptors",
     "Number of open file descriptors for the container.",
     v1::GAUGE,
     {}},
    {"process", "container_sockets", "Number of open sockets for the container.", v1::GAUGE, {}},
    {"process", "container_ulimits_soft", "Soft ulimit values for the container root process.",
     v1::GAUGE, Labels(kUlimit)},
    // spec
    {"spec", "container_spec_cpu_period", "CPU period of the container.", v1::GAUGE, {}},
    {"spec", "container_spec_cpu_quota", "CPU quota of the container.", v1::GAUGE, {}},
    {"spec", "container_spec_cpu_shares", "CPU share of the container.", v1::GAUGE, {}},
    {"spec", "container_spec_memory_limit_bytes", "Memory limit for the container.", v1::GAUGE, {}},
    {"spec",
     "container_spec_memory_reservation_limit_bytes",
     "Memory reservation limit for the container.",
     v1::GAUGE,
     {}},
    {"spec",
     "container_spec_memory_swap_limit_bytes",
     "Memory swap limit for the container.",
     v1::GAUGE,
     {}},
    {"spec",
     "container_start_time_seconds",
     "Start time of the container since unix epoch.",
     v1::GAUGE,
     {}},
    // disk
    {"disk", "container_fs_usage_bytes", "Number of bytes that are consumed by the container.",
     v1::GAUGE, Labels(kDevice)},
    {"disk", "container_fs_limit_bytes",
     "Number of bytes that can be consumed by the container on this filesystem.", v1::GAUGE,
     Labels(kDevice)},
    {"disk", "container_fs_inodes_free", "Number of available inodes.", v1::GAUGE, Labels(kDevice)},
    {"disk", "container_fs_inodes_total", "Number of inodes.", v1::GAUGE, Labels(kDevice)},
    // diskIO
    {"diskIO", "container_fs_reads_bytes_total", "Cumulative count of bytes read.", v1::COUNTER,
     Labels(kDevice)},
    {"diskIO", "container_fs_writes_bytes_total", "Cumulative count of bytes written.", v1::COUNTER,
     Labels(kDevice)},
    {"diskIO", "container_fs_reads_total", "Cumulative count of reads completed.", v1::COUNTER,
     Labels(kDevice)},
    {"diskIO", "container_fs_writes_total", "Cumulative count of writes completed.", v1::COUNTER,
     Labels(kDevice)},
    {"diskIO", "container_blkio_device_usage_total", "Blkio device bytes usage.", v1::COUNTER,
     Labels(kBlkio)},
    // pressure (PSI)
    {"pressure",
     "container_pressure_cpu_waiting_seconds_total",
     "Total time duration tasks in the container have waited due to CPU pressure.",
     v1::COUNTER,
     {}},
    {"pressure",
     "container_pressure_cpu_stalled_seconds_total",
     "Total time duration no tasks in the container could make progress due to CPU congestion.",
     v1::COUNTER,
     {}},
    {"pressure",
     "container_pressure_memory_waiting_seconds_total",
     "Total time duration tasks in the container have waited due to memory pressure.",
     v1::COUNTER,
     {}},
    {"pressure",
     "container_pressure_memory_stalled_seconds_total",
     "Total time duration no tasks in the container could make progress due to memory "
     "congestion.",
     v1::COUNTER,
     {}},
    {"pressure",
     "container_pressure_io_waiting_seconds_total",
     "Total time duration tasks in the container have waited due to IO pressure.",
     v1::COUNTER,
     {}},
    {"pressure",
     "container_pressure_io_stalled_seconds_total",
     "Total time duration no tasks in the container could make progress due to IO congestion.",
     v1::COUNTER,
     {}},
};

}  // namespace

std::span<const PodMetricDescriptor> PodMetricDescriptors() { return kDescriptors; }

const PodMetricDescriptor* FindPodMetricDescriptor(std::string_view name) {
  for (const PodMetricDescriptor& descriptor : kDescriptors) {
    if (descriptor.name == name) return &descriptor;
  }
  return nullptr;
}

std::set<std::string> IncludedGroups(const std::vector<std::string>& configured) {
  std::set<std::string> groups(configured.begin(), configured.end());
  if (groups.contains("all")) {
    for (const PodMetricDescriptor& descriptor : kDescriptors) {
      groups.emplace(descriptor.group);
    }
  }
  return groups;
}

void FillDescriptors(const std::set<std::string>& groups,
                     google::protobuf::RepeatedPtrField<v1::MetricDescriptor>& out) {
  for (const PodMetricDescriptor& descriptor : kDescriptors) {
    if (!groups.contains(std::string(descriptor.group))) continue;
    v1::MetricDescriptor& added = *out.Add();
    added.set_name(std::string(descriptor.name));
    added.set_help(std::string(descriptor.help));
    for (const char* key : {"id", "name", "image"}) added.add_label_keys(key);
    for (std::string_view key : descriptor.extra_labels) added.add_label_keys(std::string(key));
  }
}

}  // namespace crio::server
