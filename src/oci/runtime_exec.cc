// ConmonRuntime::StartExec: a streamed exec runs `RUNTIME exec` directly (as CRI-O does),
// without conmon: the streaming server holds the process's stdio and waits for it.
#include <fcntl.h>
#include <signal.h>

#include <cstdlib>

#include "common/status_macros.h"
#include "oci/conmon_runtime.h"
#include "oci/spawn.h"
#include "sys/spawn.h"

namespace crio::oci {
namespace {

// How long the runtime may take to exit once its process was killed.
constexpr auto kReapWait = std::chrono::seconds(10);

class RuntimeExecProcess final : public ExecProcess {
 public:
  RuntimeExecProcess(sys::Child runtime, std::string dir)
      : runtime_(std::move(runtime)), dir_(std::move(dir)) {}

  ~RuntimeExecProcess() override {
    if (!exit_code_) {
      Kill();
      if (!Wait(kReapWait)) runtime_.Kill(SIGKILL);  // runtime_ reaps it when it goes
    }
    RemoveExecDir(dir_);
  }

  std::optional<int> Wait(std::chrono::milliseconds timeout) override {
    if (!exit_code_) exit_code_ = runtime_.Wait(timeout);
    return exit_code_;
  }

  void Kill() override {
    if (exit_code_) return;
    if (const std::optional<pid_t> pid = ReadPidFile(dir_ + "/pid")) {
      ::kill(*pid, SIGKILL);
    } else {
      runtime_.Kill(SIGKILL);  // the process never started
    }
  }

 private:
  sys::Child runtime_;
  const std::string dir_;
  std::optional<int> exit_code_;
};

absl::StatusOr<sys::Child> SpawnRuntime(const std::vector<std::string>& argv,
                                        const ExecStdio& stdio) {
  std::vector<sys::ChildFd> fds;
  if (!stdio.terminal.empty()) {
    // After setsid, opening the pty slave makes it the session's controlling terminal:
    // the runtime then relays resizes (SIGWINCH) to the container's own terminal.
    const sys::ChildFd terminal = sys::OpenFile{.path = stdio.terminal, .flags = O_RDWR};
    fds = {terminal, terminal, terminal};
  } else {
    fds = {sys::ParentFd{stdio.in}, sys::ParentFd{stdio.out}, sys::ParentFd{stdio.err}};
  }
  const char* path = std::getenv("PATH");
  return sys::Spawn(
      {.argv = argv,
       .env = {std::string("PATH=") + (path != nullptr ? path : "/usr/sbin:/usr/bin")},
       .fds = std::move(fds),
       .cwd = "",
       .group = sys::ChildGroup::kNewSession});
}

}  // namespace

std::vector<std::string> ConmonRuntime::RuntimeExecArgs(const std::string& id,
                                                        const std::string& dir) const {
  std::vector<std::string> argv = {options_.runtime_path, "--root", options_.runtime_root};
  if (options_.systemd_cgroup) argv.push_back("--systemd-cgroup");
  argv.insert(argv.end(),
              {"exec", "--process", dir + "/process.json", "--pid-file", dir + "/pid", id});
  return argv;
}

absl::StatusOr<std::unique_ptr<ExecProcess>> ConmonRuntime::StartExec(const ExecRequest& request,
                                                                      const ExecStdio& stdio) {
  ASSIGN_OR_RETURN(const std::string dir, MakeExecDir(request.process_json));
  absl::StatusOr<sys::Child> started = SpawnRuntime(RuntimeExecArgs(request.id, dir), stdio);
  if (!started.ok()) {
    RemoveExecDir(dir);
    return started.status();
  }
  return std::make_unique<RuntimeExecProcess>(*std::move(started), dir);
}

}  // namespace crio::oci
