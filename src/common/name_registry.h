// NameRegistry: the names of the objects crio creates (pods, containers), reserved from the
// start of a creation until the object is removed, with CRI-O's handling of kubelet retries.
//
// When the kubelet's deadline passes during a slow RunPodSandbox or CreateContainer, it
// retries the same request, under the same name. A retry that finds the first request still
// in flight waits for it (until its own deadline, at most 4 minutes); if the first one's
// caller went away, its result was kept and the retry gets it; otherwise the name is taken
// and the retry fails with ALREADY_EXISTS.
//
// Bounded in time and memory: a result is kept for `keep` (2 minutes) under its name, and
// Unclaimed() hands back the ones nobody claimed, for the owner to remove. Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/caller.h"
#include "fmt/format.h"

namespace crio {

class NameRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::minutes kTwinWait{4};
  static constexpr std::chrono::minutes kDefaultKeep{2};

  // `kind` names the objects in errors: "pod sandbox", "container".
  explicit NameRegistry(std::string kind, Clock::duration keep = kDefaultKeep)
      : kind_(std::move(kind)), keep_(keep) {}

  // Reserves `name` for a creation of `id` and returns nullopt; or returns the id kept
  // under `name` for this retry.
  absl::StatusOr<std::optional<std::string>> Reserve(const std::string& name, const std::string& id,
                                                     const Caller& caller) {
    const auto limit = std::min(caller.deadline, Clock::now() + kTwinWait);
    std::unique_lock lock(mu_);
    for (;;) {
      auto [existing, inserted] = names_.emplace(name, Holder{.id = id});
      if (inserted) return std::nullopt;
      Holder& holder = existing->second;
      if (holder.created) {
        if (holder.kept_until) {  // handed over once
          holder.kept_until.reset();
          return holder.id;
        }
        return absl::AlreadyExistsError(
            fmt::format("{} with name \"{}\" already exists with ID {}", kind_, name, holder.id));
      }
      const std::string in_flight = holder.id;
      if (settled_.wait_until(lock, limit) == std::cv_status::timeout && Clock::now() >= limit) {
        return absl::AlreadyExistsError(
            fmt::format("{} with name \"{}\" is still being created with ID {}; retry later", kind_,
                        name, in_flight));
      }
    }
  }

  // The creation under `name` succeeded. With `caller_gone` the result is kept for a retry.
  void Created(const std::string& name, bool caller_gone) {
    {
      std::lock_guard lock(mu_);
      auto found = names_.find(name);
      if (found == names_.end()) return;
      found->second.created = true;
      if (caller_gone) found->second.kept_until = Clock::now() + keep_;
    }
    settled_.notify_all();
  }

  // An existing object's name, at start-up.
  void Restore(const std::string& name, const std::string& id) {
    std::lock_guard lock(mu_);
    names_.emplace(name, Holder{.id = id, .created = true});
  }

  // The creation failed, or the object was removed: the name is free.
  void Release(const std::string& name) {
    {
      std::lock_guard lock(mu_);
      names_.erase(name);
    }
    settled_.notify_all();
  }

  // The ids kept for a retry that nobody claimed in time; they are no longer kept, and the
  // owner removes them (their names stay taken until then).
  std::vector<std::string> Unclaimed() {
    std::vector<std::string> unclaimed;
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    for (auto& [name, holder] : names_) {
      if (holder.kept_until && *holder.kept_until <= now) {
        holder.kept_until.reset();
        unclaimed.push_back(holder.id);
      }
    }
    return unclaimed;
  }

 private:
  struct Holder {
    std::string id;
    bool created = false;
    std::optional<Clock::time_point> kept_until;  // kept for a retry until then
  };
  const std::string kind_;
  const Clock::duration keep_;
  std::mutex mu_;
  std::condition_variable settled_;
  std::map<std::string, Holder> names_;
};

}  // namespace crio
