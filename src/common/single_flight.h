// SingleFlight: concurrent calls for the same key share one execution. The first caller
// runs the work; callers arriving while it runs wait for and receive its result. The key
// is forgotten as soon as the work finishes, so a later call runs the work again.
//
// Thread-safe. Work must not call Do() with its own key (it would wait for itself).
#pragma once

#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"

namespace crio {

template <typename Result>
class SingleFlight {
 public:
  // Runs `work` unless a call with `key` is already running; returns its result either way.
  // `*shared` (optional) says whether the result came from another caller's run.
  Result Do(const std::string& key, const std::function<Result()>& work, bool* shared = nullptr) {
    std::promise<Result> promise;
    std::shared_future<Result> running;
    {
      std::lock_guard lock(mu_);
      if (const auto found = inflight_.find(key); found != inflight_.end()) {
        running = found->second;
      } else {
        inflight_.emplace(key, promise.get_future().share());
      }
    }
    if (shared != nullptr) *shared = running.valid();
    if (running.valid()) return running.get();
    Result result = work();
    {
      std::lock_guard lock(mu_);
      inflight_.erase(key);
    }
    promise.set_value(result);
    return result;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_future<Result>> inflight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio
