// The client side of the streaming protocols, as kubectl and crictl speak them: what
// `crioctl exec`, `attach` and `port-forward` use (and the tests). A URL from Exec, Attach
// or PortForward is dialled, upgraded to SPDY/3.1 or WebSocket, and the session's
// streams are copied to and from local descriptors.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "stream/remote_command.h"
#include "sys/unique_fd.h"

namespace crio::stream {

enum class Transport { kSpdy, kWebSocket };

struct LocalIo {
  int in = -1;  // copied to the command's stdin when asked for; -1: none
  int out = 1;
  int err = 2;
  // With a TTY: the local terminal's size now (sent at start and whenever it changes).
  std::function<std::optional<TerminalSize>()> terminal_size;
};

// Runs the exec or attach behind `url` with `options`, copying `io`; the command's exit
// code (attach: 0) once it ended, or why it could not run.
absl::StatusOr<int> RunRemoteCommand(const std::string& url, Transport transport,
                                     const CommandOptions& options, const LocalIo& io);

// Forwards one local connection (`local`) to `remote_port` through the port-forward `url`
// over its own session. Returns when both directions ended.
absl::Status ForwardOnce(const std::string& url, Transport transport, int32_t remote_port,
                         sys::UniqueFd local);

// Serves `listener` (a listening socket): each connection accepted is forwarded as by
// ForwardOnce, on a SPDY session shared by all (WebSocket: one session each), until `stop`.
absl::Status ServePortForward(const std::string& url, Transport transport, int32_t remote_port,
                              int listener, const std::atomic<bool>& stop);

}  // namespace crio::stream
