// The client side of the status API, for `crio status`: one GET over the unix socket.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace crio::status {

// GETs `target` from the status API on `socket_path`; the body when the answer is 200,
// otherwise an error carrying the server's message.
absl::StatusOr<std::string> HttpGet(const std::string& socket_path, const std::string& target,
                                    std::chrono::milliseconds timeout);

}  // namespace crio::status
