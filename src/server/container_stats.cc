// The CRI container stats rpcs: ContainerStats, ListContainerStats, StreamContainerStats.
// Usage comes from the ContainerStatsCollector; this file only selects and converts.
#include "common/status_macros.h"
#include "server/container_convert.h"
#include "server/runtime_service.h"

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

container::ContainerFilter StatsFilterFrom(const v1::ContainerStatsFilter& filter) {
  return {.id_prefix = filter.id(),
          .pod_id_prefix = filter.pod_sandbox_id(),
          .state = std::nullopt,
          .label_selector = {filter.label_selector().begin(), filter.label_selector().end()}};
}

}  // namespace

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
                       FillContainerStats(found, stats_.Collect(found), *out->mutable_stats());
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
          FillContainerStats(found, stats_.Collect(found), *out->add_stats());
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
          FillContainerStats(found[i], stats_.Collect(found[i]), *chunk.add_container_stats());
          if (chunk.container_stats_size() == kStreamChunk || i + 1 == found.size()) {
            if (!writer->Write(chunk)) return absl::CancelledError("client went away");
            chunk.Clear();
          }
        }
        return absl::OkStatus();
      });
}

}  // namespace crio::server
