// CriStreamBackend: the streaming server's way into crio's containers and pods (exec,
// attach and port-forward sessions). The Exec, Attach and PortForward rpcs themselves
// (streaming.cc too) validate a request and hand back the server's one-time URL.
// Thread-safe: it holds only references to thread-safe collaborators.
#pragma once

#include "container/containers.h"
#include "sandbox/sandboxes.h"
#include "stream/stream_server.h"

namespace crio::server {

class CriStreamBackend final : public stream::StreamBackend {
 public:
  CriStreamBackend(container::Containers& containers, sandbox::Sandboxes& sandboxes)
      : containers_(containers), sandboxes_(sandboxes) {}

  absl::StatusOr<int> Exec(const stream::ExecTarget& target,
                           const stream::CommandStreams& streams) override;
  absl::Status Attach(const stream::AttachTarget& target,
                      const stream::CommandStreams& streams) override;
  absl::StatusOr<sys::UniqueFd> DialPort(const std::string& pod_id, int32_t port) override;

 private:
  container::Containers& containers_;
  sandbox::Sandboxes& sandboxes_;
};

}  // namespace crio::server
