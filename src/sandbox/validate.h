// Checks on a RunPodSandbox request before anything is created: required metadata,
// bounded sizes, well-formed names, DNS entries and ports. INVALID_ARGUMENT says which
// field is wrong and why.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "sandbox/sandbox.h"

namespace crio::sandbox {

absl::Status ValidateSpec(const SandboxSpec& spec);

// Labels or annotations (`what` names them in errors): at most 1024 entries, no empty key,
// key and value together at most 4096 bytes (CRI-O's limits). Pods and containers alike.
absl::Status CheckLabelMap(const char* what, const std::map<std::string, std::string>& entries);

// The pod's cgroup parent must suit the cgroup manager: a systemd slice ("kubepods.slice")
// for "systemd", a cgroupfs path ("/kubepods/pod1") for "cgroupfs"; never a ".." component.
absl::Status ValidateCgroupParent(const std::string& parent, const std::string& cgroup_manager);

// Parses a Kubernetes resource quantity ("16Mi", "1.5G", "500k", "1000000") into a whole
// number, rounded up; INVALID_ARGUMENT in Kubernetes' words otherwise.
absl::StatusOr<uint64_t> ParseQuantity(const std::string& quantity);

// Parses a Kubernetes bandwidth quantity ("10M", "1Gi", "500k", "1000000") into bits per
// second; used for the kubernetes.io/ingress-bandwidth and egress-bandwidth annotations.
absl::StatusOr<uint64_t> ParseBandwidth(const std::string& quantity);

}  // namespace crio::sandbox
