// LiveConfig: the daemon's current configuration, shared by every thread.
//
// Readers take an immutable snapshot (a shared_ptr<const Config>) and keep it for the
// duration of one operation, so a SIGHUP reload never changes a value under a running rpc.
// Reload() builds a new snapshot with the reloadable options of `fresh` applied.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "config/config.h"
#include "config/reload.h"

namespace crio::config {

class LiveConfig {
 public:
  explicit LiveConfig(Config initial)
      : current_(std::make_shared<const Config>(std::move(initial))) {}

  std::shared_ptr<const Config> Snapshot() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  // Applies the reloadable options of `fresh`; returns one line per changed option.
  std::vector<std::string> Reload(const Config& fresh) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    Config next = *current_;
    std::vector<std::string> changes = ApplyReload(next, fresh);
    current_ = std::make_shared<const Config>(std::move(next));
    return changes;
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Config> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::config
