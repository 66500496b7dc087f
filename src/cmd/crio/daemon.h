// The `crio` daemon: builds the object graph from a loaded configuration, serves CRI and
// the status API on one socket until SIGTERM/SIGINT, reloads on SIGHUP.
#pragma once

#include "config/config.h"
#include "config/flags.h"
#include "config/load.h"

namespace crio {

// Runs the daemon in the foreground; returns the process exit code.
// REQUIRES: called before any thread is started (it blocks the signals it handles).
int RunDaemon(const config::Loaded& loaded, const config::FlagSet& flags);

}  // namespace crio
