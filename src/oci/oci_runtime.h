// OciRuntime: what crio asks of an OCI runtime handler (runc, crun) for a container whose
// bundle (config.json) is written. ConmonRuntime (conmon_runtime.h) is the implementation:
// conmon supervises each container; the rest are runtime CLI calls. Implementations are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sys/cgroups.h"
#include "sys/unique_fd.h"

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
  std::string cgroup_parent;  // the pod's cgroup, as a cgroupfs path
  sys::CgroupCpu monitor_cpu;  // CPU limits for conmon's own cgroup, when it gets one
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

// A container as `runtime list` shows it.
struct RuntimeContainer {
  std::string id;
  std::string bundle;
  std::string status;  // as RuntimeState's
  pid_t pid = 0;       // the init process; 0 once stopped
};

// How a container ended, as its monitor recorded it.
struct RecordedExit {
  int32_t code = 0;
  int64_t finished_at = 0;  // ns since the epoch; 0 when unknown
  bool oom = false;         // the kernel killed it for running out of memory
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

// The stdio a streamed exec's process gets. With `terminal` (a pty slave's path) the
// process's session has it as controlling terminal on 0, 1 and 2 and the fds are unused.
struct ExecStdio {
  int in = -1;
  int out = -1;
  int err = -1;
  std::string terminal;
};

// A running streamed exec. Destroying it kills and reaps what still runs.
class ExecProcess {
 public:
  virtual ~ExecProcess() = default;
  // The exit code (128+signal when killed) once the process ended, nullopt while it runs
  // after `timeout`.
  virtual std::optional<int> Wait(std::chrono::milliseconds timeout) = 0;
  // SIGKILLs the process in the container (the runtime then exits).
  virtual void Kill() = 0;
};

inline constexpr size_t kAttachPacket = 8192 + 1;
inline constexpr char kAttachStdout = 2;
inline constexpr char kAttachStderr = 3;

class OciRuntime {
 public:
  virtual ~OciRuntime() = default;
  virtual absl::StatusOr<Created> Create(const CreateRequest& request) = 0;
  virtual absl::Status Start(const std::string& id) = 0;
  // Sends `signal` to the init process, or to every process with `all`. NOT_FOUND when the
  // container (or its process) is gone.
  virtual absl::Status Kill(const std::string& id, int signal, bool all) = 0;
  // Forgets the container (--force: even if it runs) and removes what its monitor kept for
  // it. OK when it is already gone.
  virtual absl::Status Delete(const std::string& id) = 0;
  virtual absl::StatusOr<RuntimeState> State(const std::string& id) = 0;
  // Every container under the runtime's root; none when the root does not exist yet.
  virtual absl::StatusOr<std::vector<RuntimeContainer>> List() = 0;
  // Runs a process in the running container and waits for it. DEADLINE_EXCEEDED when the
  // timeout passed (the process is killed).
  virtual absl::StatusOr<ExecResult> ExecSync(const ExecRequest& request) = 0;
  // Starts a process in the running container with `stdio` (exec for the streaming server;
  // `request.timeout_seconds` and `max_output` do not apply).
  virtual absl::StatusOr<std::unique_ptr<ExecProcess>> StartExec(const ExecRequest& request,
                                                                 const ExecStdio& stdio) = 0;
  // Connects to the monitor's attach socket of a created or running container: it sends
  // the container's output as packets of at most kAttachPacket bytes whose first byte is
  // kAttachStdout or kAttachStderr, and takes raw stdin bytes (when created with stdin).
  virtual absl::StatusOr<sys::UniqueFd> ConnectAttach(const std::string& id) = 0;
  // How container `id` (created with `bundle` and `persist_dir`) ended, once its monitor
  // recorded that; NOT_FOUND until then.
  virtual absl::StatusOr<RecordedExit> ExitOf(const std::string& id, const std::string& bundle,
                                              const std::string& persist_dir) = 0;
  // Asks the monitor of a running container to reopen its log file (the kubelet rotated
  // it); bundle: its bundle dir.
  virtual absl::Status ReopenLog(const std::string& bundle) = 0;
  // Resizes the terminal of a container created with a TTY (bundle: its bundle dir).
  virtual absl::Status ResizeTerminal(const std::string& bundle, uint16_t width,
                                      uint16_t height) = 0;
  // Freezes / thaws every process of the container (the cgroup freezer).
  virtual absl::Status Pause(const std::string& id) = 0;
  virtual absl::Status Resume(const std::string& id) = 0;
  // Applies LinuxResources JSON to the running container.
  virtual absl::Status Update(const std::string& id, const std::string& resources_json) = 0;
};

}  // namespace crio::oci
