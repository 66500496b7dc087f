#include "container/workloads.h"

#include <algorithm>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::container {

const Workload* ActiveWorkload(const std::map<std::string, Workload>& workloads,
                               const std::map<std::string, std::string>& pod_annotations) {
  for (const auto& [name, workload] : workloads) {
    if (pod_annotations.contains(workload.activation_annotation)) return &workload;
  }
  return nullptr;
}

std::vector<std::string> AllowedAnnotations(
    const std::map<std::string, std::vector<std::string>>& by_handler,
    const std::map<std::string, Workload>& workloads, const std::string& handler,
    const std::map<std::string, std::string>& pod_annotations) {
  std::vector<std::string> allowed;
  if (const auto found = by_handler.find(handler); found != by_handler.end()) {
    allowed = found->second;
  }
  if (const Workload* workload = ActiveWorkload(workloads, pod_annotations)) {
    allowed.insert(allowed.end(), workload->allowed_annotations.begin(),
                   workload->allowed_annotations.end());
  }
  return allowed;
}

bool AnnotationAllowed(const std::vector<std::string>& allowed, std::string_view key) {
  return std::any_of(allowed.begin(), allowed.end(), [key](const std::string& prefix) {
    return !prefix.empty() && key.starts_with(prefix);
  });
}

absl::StatusOr<sys::CgroupCpu> WorkloadCpu(const Workload& workload, const std::string& container,
                                           const std::map<std::string, std::string>& annotations) {
  const std::string key = fmt::format("{}/{}", workload.annotation_prefix, container);
  const auto annotation = annotations.find(key);
  if (annotation == annotations.end()) return workload.defaults;
  const nlohmann::json value =
      nlohmann::json::parse(annotation->second, nullptr, /*allow_exceptions=*/false);
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(fmt::format(
        "workload annotation {} = {}: {}", key, nlohmann::json(annotation->second).dump(), why));
  };
  if (value.is_discarded() || !(value.is_object() || value.is_null())) {
    return invalid("not a JSON object such as {\"cpushares\": 512, \"cpuset\": \"0-1\"}");
  }
  sys::CgroupCpu cpu = workload.defaults;
  if (value.is_null()) return cpu;
  if (const auto cpuset = value.find("cpuset"); cpuset != value.end()) {
    if (!cpuset->is_string()) return invalid("cpuset is not a string");
    if (!cpuset->get<std::string>().empty()) cpu.cpuset = cpuset->get<std::string>();
  }
  if (const auto shares = value.find("cpushares"); shares != value.end()) {
    if (!shares->is_number_unsigned()) return invalid("cpushares is not a whole number");
    if (shares->get<uint64_t>() != 0) cpu.shares = shares->get<uint64_t>();
  }
  return cpu;
}

}  // namespace crio::container
