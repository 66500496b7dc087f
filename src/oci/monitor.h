// What conmon leaves per container, and the conmon process itself.
//
// A container's conmon writes its pid to BUNDLE/conmon-pidfile, links
// ATTACH_SOCKET_DIR/ID to the bundle (its attach socket and ctl fifo live there), writes
// the container's exit code to EXITS_DIR/ID, and leads a process group of its own that
// holds the runtime's `create` while it runs. None of these go away by themselves: crio
// removes them once the runtime forgot the container. Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sys/unique_fd.h"

namespace crio::oci {

// One container's conmon, held through a pidfd so that signals never reach a process
// that reused its pid.
class Monitor {
 public:
  // The conmon whose pid `pid_file` holds, when that process still runs as
  // `conmon_path ... -c ID ...` for `id`; nullopt otherwise (never started, exited, or
  // the pid now belongs to another process).
  static std::optional<Monitor> Find(const std::string& pid_file, const std::string& conmon_path,
                                     const std::string& id);

  pid_t pid() const { return pid_; }

  // SIGKILLs conmon and its process group (the runtime's create and what that started),
  // then waits up to `timeout` for conmon to exit. True once it has.
  bool Kill(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for conmon to exit; true once it has.
  bool WaitExit(std::chrono::milliseconds timeout) const;

 private:
  Monitor(pid_t pid, sys::UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}

  pid_t pid_;
  sys::UniqueFd pidfd_;
};

// True when `cmdline` (/proc/PID/cmdline: NUL-separated arguments) runs `conmon_path` for
// container `id` ("-c ID").
bool IsMonitorCommandLine(std::string_view cmdline, const std::string& conmon_path,
                          const std::string& id);

// The bundle ATTACH_SOCKET_DIR/ID links to; nullopt when that entry is not a symlink.
std::optional<std::string> LinkedBundle(const std::string& attach_socket_dir,
                                        const std::string& id);

// Removes ATTACH_SOCKET_DIR/ID when it is a symlink or a socket (never following it;
// anything else there is not conmon's and stays) and EXITS_DIR/ID. Entries already gone
// are fine. INVALID_ARGUMENT for an id that is not a plain file name.
absl::Status RemoveMonitorEntries(const std::string& attach_socket_dir,
                                  const std::string& exits_dir, const std::string& id);

}  // namespace crio::oci
