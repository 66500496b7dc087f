// crioctl's command line: crictl's global flags (-r, -i, -t, -D), then one subcommand per
// verb, each verb group adding its own (AddRuntimeVerbs in verbs_runtime.cc, ...). The
// whole program is RunCommandLine, so tests drive it exactly as an operator would; main
// only passes argv and the standard streams.
#pragma once

#include "cmd/crioctl/command_io.h"

namespace crio::crioctl {

// Parses `argv` (argv[0] is the program name), connects, runs the chosen verb and returns
// the exit code: 0 on success and for --help, 1 on any error (usage errors included, as
// crictl). Not reentrant: -D raises the process-wide log level.
int RunCommandLine(int argc, const char* const* argv, const CommandIo& io);

}  // namespace crio::crioctl
