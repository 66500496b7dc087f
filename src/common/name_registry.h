// NameRegistry: the names of the objects crio creates (pods, containers), reserved from the
// start of a creation until the object is removed, with CRI-O's handling of kubelet retries.
//
// When the kubelet's deadline passes during a slow RunPodSandbox or CreateContainer, it
// retries the same request, under the same name. A retry that finds the first request still
// in flight waits for it (until its own deadline, at most 4 minutes); if the first one's
// caller went away, its result was kept (KeptResults) and the retry gets it; otherwise the
// name is taken and the retry fails with ALREADY_EXISTS. Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/caller.h"
#include "common/kept_results.h"
#include "fmt/format.h"

namespace crio {

class NameRegistry {
 public:
  static constexpr std::chrono::minutes kTwinWait{4};

  // `kind` names the objects in errors: "pod sandbox", "container".
  explicit NameRegistry(std::string kind,
                        KeptResults::Clock::duration keep = KeptResults::kDefaultTtl)
      : kind_(std::move(kind)), kept_(keep) {}

  // Reserves `name` for a creation of `id` and returns nullopt; or returns the id kept
  // under `name` for this retry.
  absl::StatusOr<std::optional<std::string>> Reserve(const std::string& name, const std::string& id,
                                                     const Caller& caller) {
    const auto limit = std::min(caller.deadline, std::chrono::steady_clock::now() + kTwinWait);
    std::unique_lock lock(mu_);
    for (;;) {
      auto [existing, inserted] = names_.emplace(name, Holder{.id = id, .created = false});
      if (inserted) return std::nullopt;
      const Holder holder = existing->second;
      if (holder.created) {
        if (kept_.Take(name) == holder.id) return holder.id;
        return absl::AlreadyExistsError(
            fmt::format("{} with name \"{}\" already exists with ID {}", kind_, name, holder.id));
      }
      if (settled_.wait_until(lock, limit) == std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= limit) {
        return absl::AlreadyExistsError(
            fmt::format("{} with name \"{}\" is still being created with ID {}; retry later", kind_,
                        name, holder.id));
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
      if (caller_gone) kept_.Keep(name, found->second.id);
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
      if (auto found = names_.find(name); found != names_.end()) {
        kept_.Forget(found->second.id);
        names_.erase(found);
      }
    }
    settled_.notify_all();
  }

  // The ids kept for a retry that nobody claimed in time; the owner removes them.
  std::vector<std::string> Unclaimed() { return kept_.Expired(); }

 private:
  struct Holder {
    std::string id;
    bool created;
  };
  const std::string kind_;
  std::mutex mu_;
  std::condition_variable settled_;
  std::map<std::string, Holder> names_;
  KeptResults kept_;
};

}  // namespace crio
