// Rollback: the undo steps of a multi-step operation, run in reverse order when it fails.
//
//   Rollback rollback;
//   RETURN_IF_ERROR(MakeDir(dir));
//   rollback.Add([&] { RemoveDir(dir); });
//   ...
//   rollback.Commit();  // success: nothing is undone
//
// Going out of scope uncommitted runs every step, newest first. Not thread-safe.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace crio {

class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    for (auto step = steps_.rbegin(); step != steps_.rend(); ++step) (*step)();
  }

  void Add(std::function<void()> undo) { steps_.push_back(std::move(undo)); }
  void Commit() { steps_.clear(); }

 private:
  std::vector<std::function<void()>> steps_;
};

}  // namespace crio
