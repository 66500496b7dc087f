// CniConfigWatcher: NetworkReadiness kept current by inotify instead of re-reading the
// network dir on every Status call.
//
// A thread watches the network dir (created if absent) and the plugin dirs that exist;
// any change there re-runs FindNetwork and publishes the result, logging transitions
// ("CNI network crio is ready" / "...not ready: why"). Check() returns the last result
// without touching the disk. Thread-safe; the destructor stops and joins the thread.
#pragma once

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "network/cni_config.h"
#include "sys/unique_fd.h"

namespace crio::network {

class CniConfigWatcher final : public NetworkReadiness {
 public:
  CniConfigWatcher(std::string network_dir, std::vector<std::string> plugin_dirs,
                   std::string default_network);
  ~CniConfigWatcher() override;

  absl::Status Check() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Refresh() ABSL_LOCKS_EXCLUDED(mu_);
  void Watch();

  const std::string network_dir_;
  const std::vector<std::string> plugin_dirs_;
  const std::string default_network_;
  sys::UniqueFd inotify_;
  sys::UniqueFd stop_;  // eventfd: wakes the thread to exit
  std::thread thread_;
  std::mutex mu_;
  absl::Status state_ ABSL_GUARDED_BY(mu_);
  std::string summary_ ABSL_GUARDED_BY(mu_);  // "NAME (FILE)" of the ready network
  bool refreshed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace crio::network
