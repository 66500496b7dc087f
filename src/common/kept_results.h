// KeptResults: what a creation produced for a caller that went away before the answer
// (the kubelet's deadline passed during a slow RunPodSandbox or CreateContainer), kept under
// the request's name so the kubelet's retry of the same request gets it instead of a
// "name is reserved" error, as CRI-O's resource store does.
//
// Bounded in time and memory: one entry per name, each kept for `ttl`; Expired() hands back
// the ones nobody claimed, for the owner to remove. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace crio {

class KeptResults {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::minutes kDefaultTtl{2};

  explicit KeptResults(Clock::duration ttl = kDefaultTtl) : ttl_(ttl) {}

  void Keep(const std::string& name, const std::string& id, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mu_);
    kept_[name] = Kept{.id = id, .until = now + ttl_};
  }
  // The id kept under `name`, which is no longer kept after this.
  std::optional<std::string> Take(const std::string& name) {
    std::lock_guard lock(mu_);
    auto found = kept_.find(name);
    if (found == kept_.end()) return std::nullopt;
    std::string id = std::move(found->second.id);
    kept_.erase(found);
    return id;
  }
  // Drops `id` wherever it is kept (its object was removed by other means).
  void Forget(const std::string& id) {
    std::lock_guard lock(mu_);
    std::erase_if(kept_, [&](const auto& entry) { return entry.second.id == id; });
  }
  // The ids nobody claimed within the ttl; they are no longer kept.
  std::vector<std::string> Expired(Clock::time_point now = Clock::now()) {
    std::vector<std::string> expired;
    std::lock_guard lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end();) {
      if (it->second.until <= now) {
        expired.push_back(std::move(it->second.id));
        it = kept_.erase(it);
      } else {
        ++it;
      }
    }
    return expired;
  }

 private:
  struct Kept {
    std::string id;
    Clock::time_point until;
  };
  const Clock::duration ttl_;
  std::mutex mu_;
  std::map<std::string, Kept> kept_;
};

}  // namespace crio
