// Reading a CRI config message (PodSandboxConfig, ContainerConfig) from a file the way
// crictl does: JSON, or YAML converted to JSON, into protobuf's JSON mapping (either the
// proto field names or lowerCamelCase).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace crio::crioctl {

// Fills `message` from `path`. INVALID_ARGUMENT says what is wrong with the file.
absl::Status LoadMessageFile(const std::string& path, google::protobuf::Message& message);

}  // namespace crio::crioctl
