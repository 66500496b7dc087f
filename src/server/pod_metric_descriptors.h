// The pod metrics crio serves (ListMetricDescriptors): one table of cAdvisor-named metrics,
// each with its group (what `included_pod_metrics` selects), help, type and the label keys
// it carries after id, name and image. pod_metric_samples.cc produces exactly these.
// Pure data and functions.
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cri_api.h"

namespace crio::server {

namespace v1 = runtime::v1;

struct PodMetricDescriptor {
  std::string_view group;
  std::string_view name;
  std::string_view help;
  v1::MetricType type;
  std::span<const std::string_view> extra_labels;  // after id, name, image
};

std::span<const PodMetricDescriptor> PodMetricDescriptors();

// The descriptor named `name`; null when there is none.
const PodMetricDescriptor* FindPodMetricDescriptor(std::string_view name);

// The groups `configured` selects, "all" expanded.
std::set<std::string> IncludedGroups(const std::vector<std::string>& configured);

// The descriptors of `groups`, as ListMetricDescriptors answers.
void FillDescriptors(const std::set<std::string>& groups,
                     google::protobuf::RepeatedPtrField<v1::MetricDescriptor>& out);

}  // namespace crio::server
