// Spawn: the one way crio starts a child (conmon, a runtime's CLI, a CNI plugin, a parser),
// which it owns as a Child.
//
// posix_spawn only (no fork without exec in a threaded daemon). The child gets exactly the
// descriptors the caller lists, as fds 0..n-1, and nothing else: every other fd is closed in
// the child before exec (closefrom), so a descriptor some thread opened without O_CLOEXEC,
// or one crio itself inherited, never reaches a runtime, a hook or a plugin (the pattern of
// CVE-2024-21626). The child starts with an empty signal mask and SIGPIPE at its default,
// and leads a new process group or a new session. Thread-safe: the request is only read.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::sys {

// One of our descriptors, duplicated into the child (the caller keeps and closes ours).
struct ParentFd {
  int fd = -1;
};

// A file the child opens itself, after its new session starts: so a terminal opened this
// way becomes its controlling terminal.
struct OpenFile {
  std::string path;
  int flags = O_RDONLY;
};

using ChildFd = std::variant<ParentFd, OpenFile>;

enum class ChildGroup {
  kNewProcessGroup,  // killing the group kills whatever the child started
  kNewSession,       // a monitor or runtime that outlives the call, detached from ours
};

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;   // the whole environment, "KEY=value"
  std::vector<ChildFd> fds;       // the child's fd i is fds[i]; no other fd stays open
  std::string cwd;                // empty: ours
  ChildGroup group = ChildGroup::kNewProcessGroup;
};

// A child crio started, owned: Wait reaps it, Kill signals its process group (it leads one,
// see ChildGroup), Detach gives it up. Destroying a Child that was neither reaped nor
// detached SIGKILLs its group and reaps it, so no error path leaks a process or a zombie.
// Move-only; used from one thread at a time.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& other) noexcept { *this = std::move(other); }
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Abandon(); }

  pid_t pid() const { return pid_; }
  // Waits up to `timeout` (negative: no limit) and reaps it: its exit code (128+signal when
  // killed), or nullopt while it still runs. Once reaped, the same code again.
  std::optional<int> Wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
  // Sends `signal` to its process group; nothing once it is reaped.
  void Kill(int signal = SIGKILL);
  // Gives it up (a monitor that outlives the call): neither killed nor reaped here.
  void Detach() { pid_ = -1; }

 private:
  // Kills and reaps what is still ours.
  void Abandon();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Starts `request`. NOT_FOUND for a missing binary.
absl::StatusOr<Child> Spawn(const SpawnRequest& request);

// /dev/null for the child, read-only or write-only.
inline ChildFd DevNull(int flags) { return OpenFile{.path = "/dev/null", .flags = flags}; }

}  // namespace crio::sys
