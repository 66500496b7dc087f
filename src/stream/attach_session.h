// RunAttach: a client attached to a container's main process through its monitor's attach
// socket (`socket`, see oci::OciRuntime::ConnectAttach): output packets go to stdout or
// stderr, the client's stdin to the socket (half-closed when the client's stdin ends),
// resize events to `resize`. Returns when the container's output ends (it exited) or the
// client went away. Runs on the calling thread, with one helper per input stream (counted
// against `streams.budget`; when one cannot start, the session ends with the error).
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "stream/remote_command.h"
#include "sys/unique_fd.h"

namespace crio::stream {

absl::Status RunAttach(const CommandStreams& streams, sys::UniqueFd socket,
                       const std::function<void(TerminalSize)>& resize);

}  // namespace crio::stream
