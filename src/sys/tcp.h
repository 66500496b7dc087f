// TCP sockets: listening (the streaming server, the metrics endpoint), connecting (clients),
// and connecting to localhost inside a network namespace (port forwarding into a pod).
//
// Every descriptor returned is O_CLOEXEC and owned by the caller.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::sys {

// Binds and listens on `host` (empty: every address) and `port` (0: a free one).
absl::StatusOr<UniqueFd> ListenTcp(const std::string& host, int port, int backlog = 128);
// The local port `socket` is bound to (0 when unknown).
int BoundPort(int socket);
// Connects to `host` (a numeric address or a name) and `port`.
absl::StatusOr<UniqueFd> ConnectTcp(const std::string& host, int port);
// Connects to localhost:`port` (IPv4, then IPv6) from inside the network namespace at
// `netns_path` (empty: crio's own). The socket stays in that namespace and may be used
// from any thread.
absl::StatusOr<UniqueFd> ConnectLocalPortIn(const std::string& netns_path, int port);

}  // namespace crio::sys
