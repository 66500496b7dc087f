// OciRuntime: what crio asks of an OCI runtime handler (runc, crun) for a container whose
// bundle (config.json) is written. ConmonRuntime (conmon_runtime.h) is the implementation:
// conmon supervises each container; the rest are runtime CLI calls. Implementations are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::oci {

struct CreateRequest {
  std::string id;
  std::string name;         // shown by conmon in its logs
  std::string bundle;       // holds config.json; conmon's pidfiles go here too
  std::string persist_dir;  // conmon writes the exit code and oom marker here
  std::string log_path;     // CRI log file
  bool tty = false;
  bool stdin = false;
  bool stdin_once = false;
};

struct Created {
  pid_t pid = 0;          // the container's init process
  pid_t monitor_pid = 0;  // conmon
};

// `runtime state`: "created", "running", "paused", "stopped".
struct RuntimeState {
  std::string status;
  pid_t pid = 0;
};

struct ExecRequest {
  std::string id;
  std::string process_json;  // the OCI process to run (the container's, with new args)
  bool tty = false;
  int64_t timeout_seconds = 0;   // 0: none
  size_t max_output = 16 << 20;  // per stream; CVE-2022-1708
};

struct ExecResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class OciRuntime {
 public:
  virtual ~OciRuntime() = default;
  virtual absl::StatusOr<Created> Create(const CreateRequest& request) = 0;
  virtual absl::Status Start(const std::string& id) = 0;
  // Sends `signal` to the init process, or to every process with `all`. NOT_FOUND when the
  // container (or its process) is gone.
  virtual absl::Status Kill(const std::string& id, int signal, bool all) = 0;
  // Forgets the container (--force: even if it runs). OK when it is already gone.
  virtual absl::Status Delete(const std::string& id) = 0;
  virtual absl::StatusOr<RuntimeState> State(const std::string& id) = 0;
  // Runs a process in the running container and waits for it. DEADLINE_EXCEEDED when the
  // timeout passed (the process is killed).
  virtual absl::StatusOr<ExecResult> ExecSync(const ExecRequest& request) = 0;
  // Freezes / thaws every process of the container (the cgroup freezer).
  virtual absl::Status Pause(const std::string& id) = 0;
  virtual absl::Status Resume(const std::string& id) = 0;
  // Applies LinuxResources JSON to the running container.
  virtual absl::Status Update(const std::string& id, const std::string& resources_json) = 0;
};

}  // namespace crio::oci
