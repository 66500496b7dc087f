// RunExec: a streamed exec from start to exit code. It gives the process a terminal (tty)
// or pipes for the streams the client asked for (/dev/null for the others), starts it
// through `start`, copies the streams both ways, applies resize events to the terminal,
// and kills the process when the client goes away. Returns once the process exited and
// its output was delivered. Runs on the calling thread, with one helper thread per stream
// (counted against `streams.budget`; when one cannot start, the process is killed and the
// error returned).
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "oci/oci_runtime.h"
#include "stream/remote_command.h"

namespace crio::stream {

using ExecStarter =
    std::function<absl::StatusOr<std::unique_ptr<oci::ExecProcess>>(const oci::ExecStdio&)>;

absl::StatusOr<int> RunExec(const CommandStreams& streams, bool tty, const ExecStarter& start);

}  // namespace crio::stream
