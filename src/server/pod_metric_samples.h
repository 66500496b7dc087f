// The samples of pod metrics (ListPodSandboxMetrics, StreamPodSandboxMetrics): a container's
// from its usage, cgroup details and writable layer's filesystem; the pod's from its network
// interfaces. Each sample is of a metric of pod_metric_descriptors.h and carries its label
// values in the descriptor's order; a figure the host did not provide is no sample.
// Stateless; FillPodMetrics reads the kernel through the collector, the rest are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "container/container.h"
#include "cri_api.h"
#include "sandbox/sandbox.h"
#include "stats/cgroup_details.h"
#include "stats/container_stats.h"
#include "stats/fs_stats.h"
#include "stats/net_stats.h"

namespace crio::server {

namespace v1 = runtime::v1;

// What one container's samples are made of.
struct ContainerMetricSources {
  const container::Container& container;
  const stats::ContainerUsage& usage;  // REQUIRES: usage.cgroup
  const stats::CgroupDetails& details;
  const std::optional<stats::FilesystemInfo>& filesystem;  // holding the writable layer
};

// The cgroup details `groups` (names of included_pod_metrics, "all" expanded) need.
stats::DetailGroups DetailGroupsOf(const std::set<std::string>& groups);

void AddContainerSamples(const ContainerMetricSources& sources, const std::set<std::string>& groups,
                         int64_t timestamp, google::protobuf::RepeatedPtrField<v1::Metric>& out);

// The pod's network samples: labels pod ID, pod name, "" (no image) and the interface.
void AddNetworkSamples(const sandbox::Sandbox& pod,
                       const std::vector<stats::InterfaceUsage>& interfaces, int64_t timestamp,
                       google::protobuf::RepeatedPtrField<v1::Metric>& out);

// One pod's metrics for `groups`, collected now; every member gets a ContainerMetrics,
// empty when it has no running process. `filesystems` is shared by the pods of one
// collection.
void FillPodMetrics(const sandbox::Sandbox& pod, const std::vector<container::Container>& members,
                    const std::set<std::string>& groups, stats::ContainerStatsCollector& collector,
                    stats::FilesystemLookup& filesystems, v1::PodSandboxMetrics& out);

}  // namespace crio::server
