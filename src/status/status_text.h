// The status API's answers as `crio status` (and CRI-O 1.26's crio-status) print them:
// "key: value" lines, maps one "  key: value" line per entry (sorted), ID mappings as
// "  container:host:size". Pure functions of the JSON the API serves.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace crio::status {

// GET /info: cgroup driver, storage driver and root, the default ID mappings.
absl::StatusOr<std::string> InfoText(const nlohmann::json& info);

// GET /containers/ID: name, pid, image, created, labels, annotations, log path, root,
// sandbox, ips.
absl::StatusOr<std::string> ContainerText(const nlohmann::json& container);

}  // namespace crio::status
