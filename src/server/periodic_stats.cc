#include "server/periodic_stats.h"

namespace crio::server {

PeriodicStats::PeriodicStats(std::chrono::milliseconds period, std::function<Snapshot()> collect)
    : period_(period),
      collect_(std::move(collect)),
      thread_([this](const std::stop_token& stop) { Run(stop); }) {}

PeriodicStats::~PeriodicStats() {
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const PeriodicStats::Snapshot> PeriodicStats::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void PeriodicStats::Run(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    auto collected = std::make_shared<const Snapshot>(collect_());  // no lock while collecting
    std::unique_lock lock(mu_);
    latest_ = std::move(collected);
    wake_.wait_for(lock, stop, period_, [] { return false; });
  }
}

}  // namespace crio::server
