// The CRI stats rpcs: ContainerStats, ListContainerStats, StreamContainerStats and the pod
// ones (PodSandboxStats, ListPodSandboxStats, StreamPodSandboxStats). Usage comes from the
// ContainerStatsCollector and stats/net_stats.h, on demand or (collection_period) from the
// latest PeriodicStats collection; this file only selects, sums and converts.
#include "common/status_macros.h"
#include "server/container_convert.h"
#include "server/runtime_service.h"
#include "stats/net_stats.h"

namespace crio::server {
namespace {

// StreamContainerStats sends the stats in chunks of this many containers.
constexpr int kStreamChunk = 3000;

void FillContainerStats(const container::Container& c, const stats::ContainerUsage& usage,
                        v1::ContainerStats& out) {
  v1::ContainerAttributes& attributes = *out.mutable_attributes();
  attributes.set_id(c.id);
  attributes.mutable_metadata()->set_name(c.request.name);
  attributes.mutable_metadata()->set_attempt(c.request.attempt);
  attributes.mutable_labels()->insert(c.request.labels.begin(), c.request.labels.end());
  attributes.mutable_annotations()->insert(c.request.annotations.begin(),
                                           c.request.annotations.end());
  v1::FilesystemUsage& layer = *out.mutable_writable_layer();
  layer.set_timestamp(usage.timestamp);
  layer.mutable_fs_id()->set_mountpoint(usage.writable_layer_mountpoint);
  layer.mutable_used_bytes()->set_value(usage.writable_layer.bytes);
  layer.mutable_inodes_used()->set_value(usage.writable_layer.inodes);
  if (!usage.cgroup) return;
  const stats::CgroupUsage& cgroup = *usage.cgroup;
  v1::CpuUsage& cpu = *out.mutable_cpu();
  cpu.set_timestamp(usage.timestamp);
  cpu.mutable_usage_core_nano_seconds()->set_value(cgroup.cpu_ns);
  if (usage.nano_cores) cpu.mutable_usage_nano_cores()->set_value(*usage.nano_cores);
  v1::MemoryUsage& memory = *out.mutable_memory();
  memory.set_timestamp(usage.timestamp);
  memory.mutable_working_set_bytes()->set_value(cgroup.working_set_bytes);
  memory.mutable_usage_bytes()->set_value(cgroup.memory_bytes);
  memory.mutable_rss_bytes()->set_value(cgroup.rss_bytes);
  memory.mutable_page_faults()->set_value(cgroup.page_faults);
  memory.mutable_major_page_faults()->set_value(cgroup.major_page_faults);
  if (cgroup.memory_limit) {
    const uint64_t limit = *cgroup.memory_limit;
    memory.mutable_available_bytes()->set_value(
        limit > cgroup.working_set_bytes ? limit - cgroup.working_set_bytes : 0);
  }
  if (cgroup.swap_bytes) {
    v1::SwapUsage& swap = *out.mutable_swap();
    swap.set_timestamp(usage.timestamp);
    swap.mutable_swap_usage_bytes()->set_value(*cgroup.swap_bytes);
    if (cgroup.swap_limit) {
      swap.mutable_swap_available_bytes()->set_value(
          *cgroup.swap_limit > *cgroup.swap_bytes ? *cgroup.swap_limit - *cgroup.swap_bytes : 0);
    }
  }
}

// A pod's stats: the sum of its containers' cgroup usage (`usages[i]` is `members[i]`'s),
// its network namespace's interfaces, and each container's own stats.
void FillPodStats(const sandbox::Sandbox& pod, const std::vector<container::Container>& members,
                  const std::vector<stats::ContainerUsage>& usages,
                  stats::ContainerStatsCollector& collector, v1::PodSandboxStats& out) {
  v1::PodSandboxAttributes& attributes = *out.mutable_attributes();
  attributes.set_id(pod.id);
  attributes.mutable_metadata()->set_name(pod.spec.metadata.name);
  attributes.mutable_metadata()->set_uid(pod.spec.metadata.uid);
  attributes.mutable_metadata()->set_namespace_(pod.spec.metadata.namespace_);
  attributes.mutable_metadata()->set_attempt(pod.spec.metadata.attempt);
  attributes.mutable_labels()->insert(pod.spec.labels.begin(), pod.spec.labels.end());
  attributes.mutable_annotations()->insert(pod.spec.annotations.begin(),
                                           pod.spec.annotations.end());
  v1::LinuxPodSandboxStats& linux_stats = *out.mutable_linux();
  const int64_t now = collector.Now();
  stats::CgroupUsage total;
  bool any = false;
  for (size_t i = 0; i < members.size(); ++i) {
    const container::Container& member = members[i];
    const stats::ContainerUsage& usage = usages[i];
    FillContainerStats(member, usage, *linux_stats.add_containers());
    if (!usage.cgroup) continue;
    any = true;
    total.cpu_ns += usage.cgroup->cpu_ns;
    total.memory_bytes += usage.cgroup->memory_bytes;
    total.working_set_bytes += usage.cgroup->working_set_bytes;
    total.rss_bytes += usage.cgroup->rss_bytes;
    total.page_faults += usage.cgroup->page_faults;
    total.major_page_faults += usage.cgroup->major_page_faults;
    total.processes = total.processes.value_or(0) + usage.cgroup->processes.value_or(0);
  }
  if (any) {
    v1::CpuUsage& cpu = *linux_stats.mutable_cpu();
    cpu.set_timestamp(now);
    cpu.mutable_usage_core_nano_seconds()->set_value(total.cpu_ns);
    if (auto rate = collector.NanoCores("pod:" + pod.id, total.cpu_ns, now)) {
      cpu.mutable_usage_nano_cores()->set_value(*rate);
    }
    v1::MemoryUsage& memory = *linux_stats.mutable_memory();
    memory.set_timestamp(now);
    memory.mutable_working_set_bytes()->set_value(total.working_set_bytes);
    memory.mutable_usage_bytes()->set_value(total.memory_bytes);
    memory.mutable_rss_bytes()->set_value(total.rss_bytes);
    memory.mutable_page_faults()->set_value(total.page_faults);
    memory.mutable_major_page_faults()->set_value(total.major_page_faults);
    v1::ProcessUsage& process = *linux_stats.mutable_process();
    process.set_timestamp(now);
    process.mutable_process_count()->set_value(*total.processes);
  }
  if (pod.netns_path.empty()) return;  // host network: the node's counters, not the pod's
  auto interfaces = stats::NetworkUsageIn(pod.netns_path);
  if (!interfaces.ok()) return;  // a stopped pod has no namespace any more
  v1::NetworkUsage& network = *linux_stats.mutable_network();
  network.set_timestamp(now);
  for (const stats::InterfaceUsage& found : *interfaces) {
    v1::NetworkInterfaceUsage& added = *network.add_interfaces();
    added.set_name(found.name);
    added.mutable_rx_bytes()->set_value(found.rx_bytes);
    added.mutable_rx_errors()->set_value(found.rx_errors);
    added.mutable_tx_bytes()->set_value(found.tx_bytes);
    added.mutable_tx_errors()->set_value(found.tx_errors);
    // The kubelet's default interface is eth0 (what CNI plugins create in the pod).
    if (found.name == "eth0" || !network.has_default_interface()) {
      *network.mutable_default_interface() = added;
    }
  }
}

sandbox::SandboxFilter PodStatsFilterFrom(const v1::PodSandboxStatsFilter& filter) {
  return {.id_prefix = filter.id(),
          .state = std::nullopt,
          .label_selector = {filter.label_selector().begin(), filter.label_selector().end()}};
}

container::ContainerFilter StatsFilterFrom(const v1::ContainerStatsFilter& filter) {
  return {.id_prefix = filter.id(),
          .pod_id_prefix = filter.pod_sandbox_id(),
          .state = std::nullopt,
          .label_selector = {filter.label_selector().begin(), filter.label_selector().end()}};
}

}  // namespace

void RuntimeService::StartPeriodicStats() {
  const int64_t period = config_.Snapshot()->stats.collection_period;
  if (period <= 0) return;
  periodic_stats_ = std::make_unique<PeriodicStats>(std::chrono::seconds(period),
                                                    [this] { return CollectAllStats(); });
}

PeriodicStats::Snapshot RuntimeService::CollectAllStats() const {
  PeriodicStats::Snapshot snapshot;
  std::map<std::string, stats::ContainerUsage> usages;  // one sample per container
  for (const container::Container& found : containers_.List({})) {
    const stats::ContainerUsage& usage = usages[found.id] = stats_.Collect(found);
    FillContainerStats(found, usage, snapshot.containers[found.id]);
  }
  for (const sandbox::Sandbox& pod : sandboxes_.List({})) {
    const std::vector<container::Container> members = PodMembers(pod.id);
    std::vector<stats::ContainerUsage> member_usages;
    for (const container::Container& member : members) {
      auto sampled = usages.find(member.id);
      member_usages.push_back(sampled != usages.end() ? sampled->second : stats_.Collect(member));
    }
    FillPodStats(pod, members, member_usages, stats_, snapshot.pods[pod.id]);
  }
  CollectPodMetricsNow(snapshot.pod_metrics);
  return snapshot;
}

v1::ContainerStats RuntimeService::StatsOf(const container::Container& container) const {
  if (periodic_stats_ != nullptr) {
    if (auto latest = periodic_stats_->Latest()) {
      if (auto found = latest->containers.find(container.id); found != latest->containers.end())
        return found->second;
    }
  }
  v1::ContainerStats out;
  FillContainerStats(container, stats_.Collect(container), out);
  return out;
}

v1::PodSandboxStats RuntimeService::StatsOf(const sandbox::Sandbox& pod) const {
  if (periodic_stats_ != nullptr) {
    if (auto latest = periodic_stats_->Latest()) {
      if (auto found = latest->pods.find(pod.id); found != latest->pods.end()) return found->second;
    }
  }
  const std::vector<container::Container> members = PodMembers(pod.id);
  std::vector<stats::ContainerUsage> usages;
  for (const container::Container& member : members) usages.push_back(stats_.Collect(member));
  v1::PodSandboxStats out;
  FillPodStats(pod, members, usages, stats_, out);
  return out;
}

grpc::Status RuntimeService::ContainerStats(grpc::ServerContext*,
                                            const v1::ContainerStatsRequest* request,
                                            v1::ContainerStatsResponse* response) {
  return edge_.Serve("ContainerStats", *request, response,
                     [this](const v1::ContainerStatsRequest& in, v1::ContainerStatsResponse* out) {
                       if (in.container_id().empty()) {
                         return absl::InvalidArgumentError("ContainerId should not be empty");
                       }
                       ASSIGN_OR_RETURN(const container::Container found,
                                        containers_.Get(in.container_id()));
                       *out->mutable_stats() = StatsOf(found);
                       return absl::OkStatus();
                     });
}

grpc::Status RuntimeService::ListContainerStats(grpc::ServerContext*,
                                                const v1::ListContainerStatsRequest* request,
                                                v1::ListContainerStatsResponse* response) {
  return edge_.Serve(
      "ListContainerStats", *request, response,
      [this](const v1::ListContainerStatsRequest& in, v1::ListContainerStatsResponse* out) {
        for (const container::Container& found : containers_.List(StatsFilterFrom(in.filter()))) {
          *out->add_stats() = StatsOf(found);
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::StreamContainerStats(
    grpc::ServerContext*, const v1::StreamContainerStatsRequest* request,
    grpc::ServerWriter<v1::StreamContainerStatsResponse>* writer) {
  v1::StreamContainerStatsResponse unused;
  return edge_.Serve(
      "StreamContainerStats", *request, &unused,
      [this, writer](const v1::StreamContainerStatsRequest& in, v1::StreamContainerStatsResponse*) {
        const std::vector<container::Container> found =
            containers_.List(StatsFilterFrom(in.filter()));
        v1::StreamContainerStatsResponse chunk;
        for (size_t i = 0; i < found.size(); ++i) {
          *chunk.add_container_stats() = StatsOf(found[i]);
          if (chunk.container_stats_size() == kStreamChunk || i + 1 == found.size()) {
            if (!writer->Write(chunk)) return absl::CancelledError("client went away");
            chunk.Clear();
          }
        }
        return absl::OkStatus();
      });
}

std::vector<container::Container> RuntimeService::PodMembers(const std::string& pod_id) const {
  return containers_.List(
      {.id_prefix = "", .pod_id_prefix = pod_id, .state = std::nullopt, .label_selector = {}});
}

grpc::Status RuntimeService::PodSandboxStats(grpc::ServerContext*,
                                             const v1::PodSandboxStatsRequest* request,
                                             v1::PodSandboxStatsResponse* response) {
  return edge_.Serve(
      "PodSandboxStats", *request, response,
      [this](const v1::PodSandboxStatsRequest& in, v1::PodSandboxStatsResponse* out) {
        if (in.pod_sandbox_id().empty()) {
          return absl::InvalidArgumentError("PodSandboxId should not be empty");
        }
        ASSIGN_OR_RETURN(const sandbox::Sandbox pod, sandboxes_.Get(in.pod_sandbox_id()));
        *out->mutable_stats() = StatsOf(pod);
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::ListPodSandboxStats(grpc::ServerContext*,
                                                 const v1::ListPodSandboxStatsRequest* request,
                                                 v1::ListPodSandboxStatsResponse* response) {
  return edge_.Serve(
      "ListPodSandboxStats", *request, response,
      [this](const v1::ListPodSandboxStatsRequest& in, v1::ListPodSandboxStatsResponse* out) {
        for (const sandbox::Sandbox& pod : sandboxes_.List(PodStatsFilterFrom(in.filter()))) {
          *out->add_stats() = StatsOf(pod);
        }
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::StreamPodSandboxStats(
    grpc::ServerContext*, const v1::StreamPodSandboxStatsRequest* request,
    grpc::ServerWriter<v1::StreamPodSandboxStatsResponse>* writer) {
  v1::StreamPodSandboxStatsResponse unused;
  return edge_.Serve(
      "StreamPodSandboxStats", *request, &unused,
      [this, writer](const v1::StreamPodSandboxStatsRequest& in,
                     v1::StreamPodSandboxStatsResponse*) {
        const std::vector<sandbox::Sandbox> pods = sandboxes_.List(PodStatsFilterFrom(in.filter()));
        v1::StreamPodSandboxStatsResponse chunk;
        for (size_t i = 0; i < pods.size(); ++i) {
          *chunk.add_pod_sandbox_stats() = StatsOf(pods[i]);
          if (chunk.pod_sandbox_stats_size() == kStreamChunk || i + 1 == pods.size()) {
            if (!writer->Write(chunk)) return absl::CancelledError("client went away");
            chunk.Clear();
          }
        }
        return absl::OkStatus();
      });
}

}  // namespace crio::server
