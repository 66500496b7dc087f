#include "oci/conmon_runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "oci/cri_log.h"
#include "oci/exit_watcher.h"
#include "oci/monitor.h"
#include "oci/spawn.h"
#include "sys/process.h"
#include "sys/spawn.h"
#include "sys/unique_fd.h"

namespace crio::oci {
namespace {

using nlohmann::json;

constexpr size_t kMaxSyncMessage = 64 * 1024;
constexpr auto kRuntimeCallTimeout = std::chrono::seconds(60);
// How long conmon may take to record the exit of a container `delete --force` killed and
// exit, or to exit once SIGKILLed.
constexpr auto kMonitorExitWait = std::chrono::seconds(5);
// In the bundle: the cgroup crio made for conmon, to remove with the container.
constexpr char kMonitorCgroupRecord[] = "conmon-cgroup";
// `RUNTIME list` prints about 300 bytes per container.
constexpr size_t kMaxListOutput = 32 << 20;

// A pipe of which conmon gets one end (its sync or start pipe).
struct ChildPipe {
  sys::UniqueFd parent;
  sys::UniqueFd child;
};

absl::StatusOr<ChildPipe> MakeChildPipe(bool child_reads) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
  sys::UniqueFd read_end(fds[0]), write_end(fds[1]);
  return child_reads ? ChildPipe{.parent = std::move(write_end), .child = std::move(read_end)}
                     : ChildPipe{.parent = std::move(read_end), .child = std::move(write_end)};
}

// conmon with /dev/null as stdio and the sync and start pipes as fds 3 and 4, its only fds.
absl::StatusOr<sys::Child> SpawnConmon(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env, int sync_fd,
                                       int start_fd, const std::string& cwd) {
  return sys::Spawn({.argv = argv,
                     .env = env,
                     .fds = {sys::DevNull(O_RDONLY), sys::DevNull(O_WRONLY), sys::DevNull(O_WRONLY),
                             sys::ParentFd{sync_fd}, sys::ParentFd{start_fd}},
                     .cwd = cwd,
                     .group = sys::ChildGroup::kNewSession});
}

// Reads conmon's answer on the sync pipe: {"pid": N} or {"pid": -1, "message": "..."}.
absl::StatusOr<pid_t> ReadSyncAnswer(int fd, std::chrono::milliseconds timeout) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(
          fmt::format("conmon did not report the container's pid within {:g}s",
                      std::chrono::duration<double>(timeout).count()));
    }
    pollfd readable{fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
    const json answer = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (answer.is_object() && answer.contains("pid") && answer["pid"].is_number_integer()) {
      const int64_t pid = answer["pid"];
      if (pid > 0) return static_cast<pid_t>(pid);
      return absl::InternalError(
          fmt::format("runtime create failed: {}", answer.value("message", "no message")));
    }
    if (n <= 0 || text.size() > kMaxSyncMessage) {
      return absl::InternalError(
          fmt::format("conmon exited without reporting the container's pid{}",
                      text.empty() ? "" : ": " + text));
    }
  }
}

bool MeansGone(const std::string& message) {
  for (const char* phrase : {"does not exist", "not exist", "no such process",
                             "container not running", "invalid process", "not found"}) {
    if (message.find(phrase) != std::string::npos) return true;
  }
  return false;
}

// `RUNTIME list --format json`: an array of {"id", "pid", "status", "bundle", "rootfs",
// "created", "owner"} objects, or null when there are none.
absl::StatusOr<std::vector<RuntimeContainer>> ParseRuntimeList(const std::string& out) {
  const json list = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (list.is_null()) return std::vector<RuntimeContainer>{};
  if (!list.is_array()) return absl::InternalError("runtime list: not a JSON array: " + out);
  std::vector<RuntimeContainer> containers;
  for (const json& entry : list) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) {
      return absl::InternalError("runtime list: an entry without an id: " + entry.dump());
    }
    RuntimeContainer& container = containers.emplace_back();
    container.id = entry["id"].get<std::string>();
    if (auto bundle = entry.find("bundle"); bundle != entry.end() && bundle->is_string()) {
      container.bundle = bundle->get<std::string>();
    }
    if (auto status = entry.find("status"); status != entry.end() && status->is_string()) {
      container.status = status->get<std::string>();
    }
    if (auto pid = entry.find("pid"); pid != entry.end() && pid->is_number_integer()) {
      container.pid = pid->get<pid_t>();
    }
  }
  return containers;
}

}  // namespace

std::vector<std::string> ConmonRuntime::ConmonArgs(const CreateRequest& request) const {
  std::vector<std::string> args = {options_.conmon_path,
                                   "-b",
                                   request.bundle,
                                   "-c",
                                   request.id,
                                   "--exit-dir",
                                   options_.exits_dir,
                                   "-l",
                                   request.log_path,
                                   "--log-level",
                                   options_.log_level,
                                   "-n",
                                   request.name,
                                   "-P",
                                   request.bundle + "/conmon-pidfile",
                                   "-p",
                                   request.bundle + "/pidfile",
                                   "--persist-dir",
                                   request.persist_dir,
                                   "-r",
                                   options_.runtime_path,
                                   "--runtime-arg",
                                   "--root=" + options_.runtime_root,
                                   "--socket-dir-path",
                                   options_.attach_socket_dir,
                                   "-u",
                                   request.id};
  if (options_.systemd_cgroup) args.push_back("-s");
  if (options_.log_size_max >= 0) {
    args.insert(args.end(), {"--log-size-max", std::to_string(options_.log_size_max)});
  }
  if (options_.log_to_journald) args.insert(args.end(), {"--log-path", "journald:"});
  if (options_.no_pivot) args.push_back("--no-pivot");
  if (options_.no_sync_log) args.push_back("--no-sync-log");
  if (request.tty) {
    args.push_back("-t");
  } else if (request.stdin) {
    args.push_back("-i");
    if (!request.stdin_once) args.push_back("--leave-stdin-open");
  }
  return args;
}

absl::StatusOr<Created> ConmonRuntime::Create(const CreateRequest& request) {
  ASSIGN_OR_RETURN(ChildPipe sync, MakeChildPipe(/*child_reads=*/false));
  ASSIGN_OR_RETURN(ChildPipe start, MakeChildPipe(/*child_reads=*/true));
  std::vector<std::string> env = options_.monitor_env;
  env.insert(env.end(), {"_OCI_SYNCPIPE=3", "_OCI_STARTPIPE=4"});
  ASSIGN_OR_RETURN(sys::Child conmon, SpawnConmon(ConmonArgs(request), env, sync.child.get(),
                                                  start.child.get(), request.bundle));
  sync.child.Reset();
  start.child.Reset();
  RETURN_IF_ERROR(PlaceMonitor(request, conmon));
  // Go: conmon forks its monitor and this first process exits.
  (void)!::write(start.parent.get(), "0", 1);
  start.parent.Reset();
  conmon.Wait();
  const absl::StatusOr<pid_t> pid = ReadSyncAnswer(sync.parent.get(), options_.create_timeout);
  if (!pid.ok()) return AbandonCreate(request, pid.status());
  return Created{.pid = *pid,
                 .monitor_pid = ReadPidFile(request.bundle + "/conmon-pidfile").value_or(0)};
}

std::string ConmonRuntime::MonitorCgroupPath(const CreateRequest& request) const {
  if (options_.monitor_cgroup.empty()) return "";
  if (options_.monitor_cgroup == "pod") {
    return sys::CgroupfsChild(request.cgroup_parent, "crio-conmon-" + request.id);
  }
  const std::string_view slice = options_.monitor_cgroup;
  return fmt::format("{}/crio-conmon-{}.scope", slice == "/" ? "" : slice, request.id);
}

absl::Status ConmonRuntime::PlaceMonitor(const CreateRequest& request, sys::Child& conmon) {
  const std::string path = MonitorCgroupPath(request);
  if (path.empty()) return absl::OkStatus();
  absl::Status placed =
      WriteFileAtomically(request.bundle + "/" + kMonitorCgroupRecord, path, 0600);
  if (placed.ok()) {
    sys::CgroupCpu cpu = request.monitor_cpu;
    if (cpu.cpuset.empty()) cpu.cpuset = options_.monitor_cpuset;
    placed = sys::PlaceInNewCgroup(conmon.pid(), path, cpu, options_.cgroup_hierarchies);
  }
  if (placed.ok()) return placed;
  // conmon still waits for its start pipe: nothing else runs yet.
  conmon.Kill();
  conmon.Wait();
  (void)RemoveMonitorCgroup(request.bundle);
  return absl::Status(placed.code(), fmt::format("place conmon in cgroup {}: {}", path,
                                                 AsStd(placed.message())));
}

absl::Status ConmonRuntime::RemoveMonitorCgroup(const std::string& bundle) const {
  const std::string record = bundle + "/" + kMonitorCgroupRecord;
  auto path = ReadFileToString(record, 4096);
  if (!path.ok()) return absl::IsNotFound(path.status()) ? absl::OkStatus() : path.status();
  // conmon may still be on its way out after its container ended; what is left in its
  // cgroup after that grace (it holds nothing but conmon's own) is killed.
  const auto deadline = std::chrono::steady_clock::now() + kMonitorExitWait;
  const auto grace = std::chrono::steady_clock::now() + kMonitorExitWait / 2;
  for (;;) {
    const absl::Status removed = sys::RemoveCgroup(*path, options_.cgroup_hierarchies);
    if (!absl::IsFailedPrecondition(removed) || std::chrono::steady_clock::now() > deadline) {
      RETURN_IF_ERROR(removed);
      break;
    }
    if (std::chrono::steady_clock::now() > grace) {
      for (const pid_t pid : sys::CgroupProcesses(*path, options_.cgroup_hierarchies)) {
        ::kill(pid, SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::unlink(record.c_str());
  return absl::OkStatus();
}

absl::Status ConmonRuntime::AbandonCreate(const CreateRequest& request, const absl::Status& error) {
  std::string cleanup;
  if (std::optional<Monitor> monitor =
          Monitor::Find(request.bundle + "/conmon-pidfile", options_.conmon_path, request.id)) {
    if (!monitor->Kill(kMonitorExitWait)) {
      cleanup = fmt::format("; conmon (pid {}) still runs after SIGKILL", monitor->pid());
    }
  }
  if (absl::Status deleted = Delete(request.id); !deleted.ok()) {
    cleanup += fmt::format("; then {}", AsStd(deleted.message()));
  }
  if (absl::Status removed = RemoveMonitorCgroup(request.bundle); !removed.ok()) {
    cleanup += fmt::format("; then {}", AsStd(removed.message()));
  }
  return absl::Status(error.code(), fmt::format("create container {}: {}{}", request.id,
                                                AsStd(error.message()), cleanup));
}

absl::StatusOr<std::string> ConmonRuntime::RunRuntime(const std::vector<std::string>& args,
                                                      const std::string& stdin_data,
                                                      size_t max_output) const {
  std::vector<std::string> argv = {options_.runtime_path, "--root", options_.runtime_root};
  if (options_.systemd_cgroup) argv.push_back("--systemd-cgroup");
  argv.insert(argv.end(), args.begin(), args.end());
  const char* path = std::getenv("PATH");
  ASSIGN_OR_RETURN(const sys::ProcessResult result,
                   sys::RunProcess({.argv = argv,
                                    .env = {std::string("PATH=") +
                                            (path != nullptr ? path : "/usr/sbin:/usr/bin")},
                                    .stdin_data = stdin_data,
                                    .timeout = kRuntimeCallTimeout,
                                    .max_output = max_output}));
  if (result.timed_out) {
    return absl::DeadlineExceededError(fmt::format("runtime {}: timed out", args.front()));
  }
  if (result.exit_code != 0) {
    std::string message = result.err.empty() ? result.out : result.err;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    const std::string text = fmt::format("runtime {}: {}", args.front(), message);
    return MeansGone(message) ? absl::NotFoundError(text) : absl::InternalError(text);
  }
  return result.out;
}

absl::Status ConmonRuntime::Start(const std::string& id) {
  return RunRuntime({"start", id}).status();
}

absl::Status ConmonRuntime::Kill(const std::string& id, int signal, bool all) {
  std::vector<std::string> args = {"kill"};
  if (all) args.push_back("--all");
  args.insert(args.end(), {id, std::to_string(signal)});
  return RunRuntime(args).status();
}

absl::Status ConmonRuntime::Delete(const std::string& id) {
  // Found before the runtime kills the container: conmon records that exit afterwards.
  std::optional<Monitor> monitor;
  const std::optional<std::string> bundle = LinkedBundle(options_.attach_socket_dir, id);
  if (bundle) monitor = Monitor::Find(*bundle + "/conmon-pidfile", options_.conmon_path, id);
  auto deleted = RunRuntime({"delete", "--force", id});
  if (!deleted.ok() && !absl::IsNotFound(deleted.status())) return deleted.status();
  // With its container gone conmon has nothing left to watch; one that does not exit
  // would write the exit file after it was removed.
  if (monitor && !monitor->WaitExit(kMonitorExitWait)) monitor->Kill(kMonitorExitWait);
  absl::Status removed = bundle ? RemoveMonitorCgroup(*bundle) : absl::OkStatus();
  removed.Update(RemoveMonitorEntries(options_.attach_socket_dir, options_.exits_dir, id));
  return Annotate(removed, "delete container " + id);
}

absl::StatusOr<RecordedExit> ConmonRuntime::ExitOf(const std::string& id, const std::string& bundle,
                                                   const std::string& persist_dir) {
  ASSIGN_OR_RETURN(const int code, ReadExitCode(options_.exits_dir, id));
  RecordedExit recorded{.code = code};
  // conmon writes the file when the container ends: its mtime is the end.
  struct stat info {};
  const std::string exit_file = options_.exits_dir + "/" + id;
  if (::stat(exit_file.c_str(), &info) == 0) {
    recorded.finished_at =
        static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  }
  // conmon marks an OOM kill with an "oom" file in its persist dir (older ones: the bundle).
  for (const std::string& dir : {persist_dir, bundle}) {
    if (::access((dir + "/oom").c_str(), F_OK) == 0) recorded.oom = true;
  }
  return recorded;
}

absl::StatusOr<std::vector<RuntimeContainer>> ConmonRuntime::List() {
  // The runtime makes its root with its first container; before that there is none.
  struct stat info {};
  if (::stat(options_.runtime_root.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::vector<RuntimeContainer>{};
    return ErrnoToStatus(errno, "runtime list: stat " + options_.runtime_root);
  }
  ASSIGN_OR_RETURN(const std::string out,
                   RunRuntime({"list", "--format", "json"}, "", kMaxListOutput));
  return ParseRuntimeList(out);
}

absl::StatusOr<RuntimeState> ConmonRuntime::State(const std::string& id) {
  ASSIGN_OR_RETURN(const std::string out, RunRuntime({"state", id}));
  const json state = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object()) return absl::InternalError("runtime state: not JSON: " + out);
  return RuntimeState{.status = state.value("status", ""), .pid = state.value("pid", 0)};
}

absl::Status ConmonRuntime::Pause(const std::string& id) {
  return RunRuntime({"pause", id}).status();
}

absl::Status ConmonRuntime::Resume(const std::string& id) {
  return RunRuntime({"resume", id}).status();
}

absl::Status ConmonRuntime::Update(const std::string& id, const std::string& resources_json) {
  return RunRuntime({"update", "--resources", "-", id}, resources_json).status();
}

std::vector<std::string> ConmonRuntime::ExecArgs(const ExecRequest& request,
                                                 const std::string& dir) const {
  std::vector<std::string> args = {options_.conmon_path,
                                   "-c",
                                   request.id,
                                   "-n",
                                   request.id,
                                   "-r",
                                   options_.runtime_path,
                                   "-p",
                                   dir + "/pid",
                                   "-e",
                                   "-l",
                                   dir + "/log",
                                   "--socket-dir-path",
                                   options_.attach_socket_dir,
                                   "--log-level",
                                   options_.log_level,
                                   "--sync",
                                   "--log-global-size-max",
                                   std::to_string(2 * request.max_output),
                                   "--exec-process-spec",
                                   dir + "/process.json",
                                   "--runtime-arg",
                                   "--root=" + options_.runtime_root};
  if (request.tty) args.push_back("-t");
  if (options_.systemd_cgroup) args.push_back("-s");
  return args;
}

namespace {

// After a SIGKILL, how long conmon may take to reap the process and exit.
constexpr auto kKillWait = std::chrono::seconds(10);

// An exec past its timeout: SIGKILL the process (the runtime wrote its pid) while conmon,
// its reaper, still runs; conmon reaps it and exits. So when the caller hears of the
// timeout, the process is gone, not a zombie waiting for an init to reap it. Without a
// pid (the runtime never started it) conmon itself is killed.
void KillTimedOutExec(sys::Child& conmon, const std::string& pid_file) {
  if (const std::optional<pid_t> pid = ReadPidFile(pid_file)) {
    ::kill(*pid, SIGKILL);
    if (conmon.Wait(kKillWait)) return;
  }
  conmon.Kill(SIGKILL);
  conmon.Wait();
}

}  // namespace

absl::StatusOr<ExecResult> ConmonRuntime::ExecSync(const ExecRequest& request) {
  ASSIGN_OR_RETURN(const std::string dir, MakeExecDir(request.process_json));
  absl::Cleanup remove_dir = [&dir] { RemoveExecDir(dir); };
  ASSIGN_OR_RETURN(ChildPipe sync, MakeChildPipe(/*child_reads=*/false));
  ASSIGN_OR_RETURN(ChildPipe unused_start, MakeChildPipe(/*child_reads=*/true));
  std::vector<std::string> env = options_.monitor_env;
  env.push_back("_OCI_SYNCPIPE=3");
  ASSIGN_OR_RETURN(sys::Child conmon, SpawnConmon(ExecArgs(request, dir), env, sync.child.get(),
                                                  unused_start.child.get(), dir));
  sync.child.Reset();
  unused_start.child.Reset();
  const auto timeout = request.timeout_seconds > 0
                           ? std::chrono::milliseconds(request.timeout_seconds * 1000)
                           : std::chrono::milliseconds(-1);
  if (!conmon.Wait(timeout)) {
    KillTimedOutExec(conmon, dir + "/pid");
    return absl::DeadlineExceededError(
        fmt::format("command timed out after {}s", request.timeout_seconds));
  }
  std::string answer_text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(sync.parent.get(), buffer, sizeof buffer)) > 0 &&
         answer_text.size() < kMaxSyncMessage) {
    answer_text.append(buffer, static_cast<size_t>(n));
  }
  // conmon may write more than one JSON object (pid, then exit code): take the last.
  json answer;
  for (size_t start = 0; start < answer_text.size();) {
    size_t end = answer_text.find('}', start);
    if (end == std::string::npos) break;
    json part = json::parse(answer_text.substr(start, end - start + 1), nullptr, false);
    if (part.is_object()) answer = part;
    start = end + 1;
  }
  if (!answer.is_object() || !answer.contains("exit_code")) {
    return absl::InternalError(fmt::format("exec in {}: conmon gave no exit code{}", request.id,
                                           answer_text.empty() ? "" : ": " + answer_text));
  }
  const int exit_code = answer["exit_code"].get<int>();
  const std::string message = answer.value("message", "");
  if (exit_code == -1 && !message.empty()) {
    return absl::InternalError(fmt::format("exec in {}: {}", request.id, message));
  }
  ExecResult result{.exit_code = exit_code};
  auto log = ReadFileToString(dir + "/log", 4 * request.max_output + (1 << 20));
  if (log.ok()) {
    SplitOutput split = ParseCriLog(*log);
    if (split.out.size() > request.max_output) split.out.resize(request.max_output);
    if (split.err.size() > request.max_output) split.err.resize(request.max_output);
    result.out = std::move(split.out);
    result.err = std::move(split.err);
  }
  return result;
}

}  // namespace crio::oci
