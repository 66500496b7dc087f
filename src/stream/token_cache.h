// TokenCache: the one-time tokens in streaming URLs. A token is 16 random bytes
// (base64url), used at most once, and forgotten after its time to live; at most
// `capacity` wait at a time. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "stream/requests.h"

namespace crio::stream {

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds ttl = std::chrono::minutes(1);
    size_t capacity = 1000;
    std::function<Clock::time_point()> now = [] { return Clock::now(); };
  };

  explicit TokenCache(Options options) : options_(std::move(options)) {}

  // RESOURCE_EXHAUSTED when `capacity` unused tokens are alive.
  absl::StatusOr<std::string> Insert(StreamTarget target);
  // The target of a live token, which is used up; nullopt when unknown, used or expired.
  std::optional<StreamTarget> Consume(const std::string& token);

 private:
  struct Entry {
    StreamTarget target;
    Clock::time_point expires;
  };
  void DropExpired(Clock::time_point now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::stream
