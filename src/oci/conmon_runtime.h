// ConmonRuntime: OciRuntime for runtime_type "oci": conmon runs `RUNTIME create` and then
// watches the container (stdio, CRI log, exit code file, attach socket); crio calls the
// runtime's CLI directly for start, kill, delete, state and update.
//
// Create follows conmon's protocol: conmon gets a sync pipe (fd 3, _OCI_SYNCPIPE) and a
// start pipe (fd 4, _OCI_STARTPIPE); crio writes to the start pipe, conmon daemonizes (its
// first process exits), runs `RUNTIME create` and answers {"pid": N} (or pid -1 and a
// message) on the sync pipe. A create that fails or times out leaves nothing running:
// conmon and its process group are killed and the runtime's container deleted. Delete
// also removes what conmon left for the container (its attach socket dir link and exit
// file; see monitor.h). ExecSync runs conmon in exec mode (--sync: it does not
// daemonize) with the process spec in a private temp dir, reads {"exit_code": N} from the
// sync pipe and the output from the CRI log conmon wrote, capped per stream. Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "oci/oci_runtime.h"
#include "sys/spawn.h"
#include "sys/cgroups.h"

namespace crio::oci {

struct ConmonOptions {
  std::string conmon_path;
  std::string runtime_path;
  std::string runtime_root;  // --root for every runtime call
  std::vector<std::string> monitor_env;
  std::string exits_dir;
  std::string attach_socket_dir;
  std::string log_level = "info";
  int64_t log_size_max = -1;
  bool systemd_cgroup = false;
  bool no_pivot = false;
  bool log_to_journald = false;  // log_to_journald: conmon's journald log driver as well
  bool no_sync_log = false;      // the handler's no_sync_log: conmon skips its final fsync
  std::chrono::seconds create_timeout{240};
  // Where conmon goes before it creates the container (the handler's monitor_cgroup, as
  // cgroupfs paths say it): "pod" is POD_CGROUP/crio-conmon-ID, a slice's path
  // ("/system.slice") SLICE/crio-conmon-ID.scope; empty: it stays in crio's cgroup. The
  // cgroup is recorded in the bundle and removed with the container.
  std::string monitor_cgroup;
  std::vector<sys::CgroupHierarchy> cgroup_hierarchies;
  // conmon's cpuset unless the request's monitor_cpu names one: infra_ctr_cpuset, given
  // (as CRI-O) only where conmon runs in the pod's cgroup.
  std::string monitor_cpuset;
};

class ConmonRuntime final : public OciRuntime {
 public:
  explicit ConmonRuntime(ConmonOptions options) : options_(std::move(options)) {}

  absl::StatusOr<Created> Create(const CreateRequest& request) override;
  absl::Status Start(const std::string& id) override;
  absl::Status Kill(const std::string& id, int signal, bool all) override;
  absl::Status Delete(const std::string& id) override;
  absl::StatusOr<RuntimeState> State(const std::string& id) override;
  absl::StatusOr<std::vector<RuntimeContainer>> List() override;
  absl::Status Update(const std::string& id, const std::string& resources_json) override;
  absl::StatusOr<ExecResult> ExecSync(const ExecRequest& request) override;
  absl::StatusOr<std::unique_ptr<ExecProcess>> StartExec(const ExecRequest& request,
                                                         const ExecStdio& stdio) override;
  absl::StatusOr<sys::UniqueFd> ConnectAttach(const std::string& id) override;
  absl::StatusOr<RecordedExit> ExitOf(const std::string& id, const std::string& bundle,
                                      const std::string& persist_dir) override;
  absl::Status ReopenLog(const std::string& bundle) override;
  absl::Status ResizeTerminal(const std::string& bundle, uint16_t width, uint16_t height) override;
  absl::Status Pause(const std::string& id) override;
  absl::Status Resume(const std::string& id) override;

  // conmon's cgroup for `request` (see ConmonOptions::monitor_cgroup); empty: none.
  std::string MonitorCgroupPath(const CreateRequest& request) const;

  // conmon's argv for `request`, exposed for tests.
  std::vector<std::string> ConmonArgs(const CreateRequest& request) const;
  // The runtime's argv for a streamed exec whose process spec and pid file are in `dir`.
  std::vector<std::string> RuntimeExecArgs(const std::string& id, const std::string& dir) const;
  // conmon's argv for an ExecSync whose process spec, log and pid files are in `dir`.
  std::vector<std::string> ExecArgs(const ExecRequest& request, const std::string& dir) const;

 private:
  absl::StatusOr<std::string> RunRuntime(const std::vector<std::string>& args,
                                         const std::string& stdin_data = "",
                                         size_t max_output = 1 << 20) const;
  // After `error` in Create once conmon was started: kills conmon (and the runtime's
  // create under it) and deletes the container from the runtime. `error` with context.
  absl::Status AbandonCreate(const CreateRequest& request, const absl::Status& error);
  // Records conmon's cgroup in the bundle, then moves the waiting conmon there.
  absl::Status PlaceMonitor(const CreateRequest& request, sys::Child& conmon);
  // Removes the cgroup the bundle records, once conmon has left it.
  absl::Status RemoveMonitorCgroup(const std::string& bundle) const;

  const ConmonOptions options_;
};

}  // namespace crio::oci
