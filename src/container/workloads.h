// Workload partitioning ([crio.runtime.workloads], CRI-O's): a pod that carries a
// workload's activation annotation has its containers' CPU settings, and its conmons',
// taken from the workload, each overridable per container by a pod annotation. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sys/cgroups.h"

namespace crio::container {

struct Workload {
  std::string activation_annotation;  // a pod annotation's key
  std::string annotation_prefix;      // PREFIX/CONTAINER annotations override the defaults
  std::vector<std::string> allowed_annotations;  // added to the handler's
  sys::CgroupCpu defaults;
};

// The experimental annotation prefixes a pod of `handler` may use: the handler's
// allowed_annotations (from `by_handler`) and those of the workload the pod is in.
std::vector<std::string> AllowedAnnotations(
    const std::map<std::string, std::vector<std::string>>& by_handler,
    const std::map<std::string, Workload>& workloads, const std::string& handler,
    const std::map<std::string, std::string>& pod_annotations);

// Whether `key` is an annotation one of the `allowed` prefixes (AllowedAnnotations) opens.
bool AnnotationAllowed(const std::vector<std::string>& allowed, std::string_view key);

// What CRI-O calls the infra container, in PREFIX/POD: also every container's conmon.
inline constexpr char kPodWorkloadName[] = "POD";

// The first workload (by name) whose activation annotation the pod carries; null if none.
const Workload* ActiveWorkload(const std::map<std::string, Workload>& workloads,
                               const std::map<std::string, std::string>& pod_annotations);

// The CPU settings for `container` ("POD": the infra container and conmon): the
// workload's defaults, with what the pod annotation PREFIX/CONTAINER =
// {"cpushares": N, "cpuset": "CPUS"} sets. INVALID_ARGUMENT names an annotation that is
// not such JSON.
absl::StatusOr<sys::CgroupCpu> WorkloadCpu(const Workload& workload, const std::string& container,
                                           const std::map<std::string, std::string>& annotations);

}  // namespace crio::container
