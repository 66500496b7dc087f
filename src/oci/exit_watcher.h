// ExitWatcher: notices containers exiting. conmon writes the exit code to
// EXITS_DIR/ID when a container's process ends; a thread watches the dir with inotify
// (no polling) and calls `on_exit(id)` once per file that appears. Files already there at
// start are reported too (exits during a crio restart). Thread-safe; the destructor stops
// and joins the thread. The callback runs on the watcher's thread and must not block long.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::oci {

class ExitWatcher {
 public:
  using Callback = std::function<void(const std::string& id)>;
  ExitWatcher(std::string exits_dir, Callback on_exit);
  ~ExitWatcher();

  // Creates the dir if needed, reports what is there, then watches.
  absl::Status Start();

 private:
  void Watch();

  const std::string exits_dir_;
  const Callback on_exit_;
  sys::UniqueFd inotify_;
  sys::UniqueFd stop_;
  std::thread thread_;
};

// The exit code conmon recorded for `id` in `exits_dir`; NOT_FOUND while it runs.
absl::StatusOr<int> ReadExitCode(const std::string& exits_dir, const std::string& id);

}  // namespace crio::oci
