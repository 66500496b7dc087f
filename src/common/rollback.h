// Rollback: the undo steps of a multi-step operation, run in reverse order when it fails.
//
//   Rollback rollback;
//   RETURN_IF_ERROR(MakeDir(dir));
//   rollback.Add("remove " + dir, [&] { return RemoveDir(dir); });
//   ...
//   rollback.Commit();  // success: nothing is undone
//
// Going out of scope uncommitted runs every step, newest first. A step that fails is logged
// with what it leaves behind. AddIfClean registers a step that runs only when every newer
// step undid cleanly: dropping the operation's intent record (so whatever a failed step left
// stays recorded, and start-up reconciliation removes it later), or removing a directory
// that may still hold a mount a failed step left. Not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace crio {

class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() { Run(); }

  // `what` says what `undo` does ("unmount the rootfs of container ID"), for the log.
  void Add(std::string what, std::function<absl::Status()> undo) {
    steps_.push_back({std::move(what), std::move(undo), /*if_clean=*/false});
  }
  void AddIfClean(std::string what, std::function<absl::Status()> undo) {
    steps_.push_back({std::move(what), std::move(undo), /*if_clean=*/true});
  }
  void Commit() { steps_.clear(); }

 private:
  struct Step {
    std::string what;
    std::function<absl::Status()> undo;
    bool if_clean;
  };
  void Run();

  std::vector<Step> steps_;
};

}  // namespace crio
