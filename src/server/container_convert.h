// Containers between CRI messages and the container domain: ContainerConfig into a
// ContainerRequest, a Container into ContainerStatus / Container, filters. Pure functions.
#pragma once

#include <string>

#include "container/container.h"
#include "container/containers.h"
#include "cri_api.h"

namespace crio::server {

namespace v1 = runtime::v1;

container::ContainerRequest RequestFromConfig(const std::string& pod_id,
                                              const v1::ContainerConfig& config);
spec::Resources ResourcesFrom(const v1::LinuxContainerResources& resources);
void FillContainerStatus(const container::Container& container, v1::ContainerStatus& out);
void FillContainerItem(const container::Container& container, v1::Container& out);
// The verbose info map's "info" entry: pid, sandbox, bundle and the OCI spec, as JSON.
std::string ContainerVerboseInfo(const container::Container& container);
container::ContainerFilter ContainerFilterFrom(const v1::ContainerFilter& filter);

}  // namespace crio::server
