// Pod sandboxes between CRI messages and the sandbox domain: the request's PodSandboxConfig
// into a SandboxSpec, a Sandbox into PodSandboxStatus / PodSandbox, filters into
// SandboxFilter. Pure functions.
#pragma once

#include <string>

#include "cri_api.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandboxes.h"

namespace crio::server {

namespace v1 = runtime::v1;

sandbox::SandboxSpec SpecFromConfig(const v1::PodSandboxConfig& config,
                                    const std::string& runtime_handler);

void FillStatus(const sandbox::Sandbox& sandbox, v1::PodSandboxStatus& out);
void FillListItem(const sandbox::Sandbox& sandbox, v1::PodSandbox& out);
// The verbose info map's "info" entry: where the pod's namespaces and files are, the config
// it was run with, and the CNI CHECK result ("ok" or the error), as JSON.
std::string VerboseInfo(const sandbox::Sandbox& sandbox, const absl::Status& network_check);

sandbox::SandboxFilter FilterFrom(const v1::PodSandboxFilter& filter);

}  // namespace crio::server
