// Pod namespaces without a process: created by a short-lived clone child and kept alive by
// bind mounts of its /proc/PID/ns files, as CRI-O's pinns does.
//
// The child is cloned (not forked) from the threaded daemon and makes only async-signal-safe
// system calls: sethostname, open/write/close of /proc/sys files (so sysctls land in the new
// namespaces, never the host's), then it waits on a pipe while the parent bind-mounts its
// namespaces, and exits. Errors cross back as an errno and the failing step. Thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::sys {

struct PinRequest {
  std::string dir;  // namespaces_dir; pins go to DIR/netns/NAME, DIR/ipcns/NAME, DIR/utsns/NAME
  std::string name;
  bool net = true;  // false: the pod uses the host's namespace, nothing is pinned
  bool ipc = true;
  bool uts = true;
  std::string hostname;  // set in the new UTS namespace when non-empty
  // Sysctls written inside the new namespaces, key in dotted or slashed form. The caller
  // has validated them (namespaced keys only, no ".." components).
  std::vector<std::pair<std::string, std::string>> sysctls;
};

// Paths of the pinned namespace files; empty for a namespace that was not created.
struct PinnedNamespaces {
  std::string net;
  std::string ipc;
  std::string uts;
};

// Where PinNamespaces pins NAME's namespaces under `dir`, whether or not they exist.
PinnedNamespaces PinPaths(const std::string& dir, const std::string& name);

// Creates and pins the namespaces `request` asks for. On error nothing stays pinned.
absl::StatusOr<PinnedNamespaces> PinNamespaces(const PinRequest& request);

// Unmounts (detached) and removes one pin; OK when it is already gone.
absl::Status UnpinNamespace(const std::string& path);

// Whether `path` is a pinned namespace (a mount of an nsfs file).
bool IsPinnedNamespace(const std::string& path);

// Moves this process into the mount namespace pinned at `path` (KUBENSMNT). Only a process
// that is still single-threaded may: call it first thing in main(). FAILED_PRECONDITION
// when `path` is no pinned mount namespace; nothing changes on error.
absl::Status JoinMountNamespace(const std::string& path);

}  // namespace crio::sys
