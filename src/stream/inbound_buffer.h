// InboundBuffer: what a client sent on one channel and the consumer has not read yet,
// bounded: Deliver (the connection's reader thread) waits while it is full, so a consumer
// that stops reading stops the reading of the socket instead of growing memory. What it
// holds also counts against the server's StreamBudget (when given one), so many streams
// together stay bounded too. Abort() wakes every waiter for good. Thread-safe.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "stream/budget.h"

namespace crio::stream {

class InboundBuffer {
 public:
  explicit InboundBuffer(size_t capacity, StreamBudget* budget = nullptr)
      : capacity_(capacity), budget_(budget) {}
  ~InboundBuffer() { Give(buffered_.size()); }
  InboundBuffer(const InboundBuffer&) = delete;
  InboundBuffer& operator=(const InboundBuffer&) = delete;

  // Appends `data` once there is room (dropped after StopReading or Abort). False, with
  // nothing buffered, when the budget has no room for it: the caller ends the stream.
  bool Deliver(std::string_view data) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return buffered_.size() < capacity_ || stopped_ || aborted_; });
    if (stopped_ || aborted_) return true;
    if (budget_ != nullptr && !budget_->TakeBytes(data.size())) return false;
    buffered_.append(data);
    changed_.notify_all();
    return true;
  }
  // The sender is done: reads return 0 once the buffer is drained.
  void Finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    changed_.notify_all();
  }
  // The connection is gone: reads return what is buffered, then 0; deliveries return.
  void Abort() {
    std::lock_guard lock(mu_);
    aborted_ = true;
    changed_.notify_all();
  }
  void StopReading() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    Give(buffered_.size());
    buffered_.clear();
    changed_.notify_all();
  }
  size_t Read(char* data, size_t size) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !buffered_.empty() || finished_ || stopped_ || aborted_; });
    if (stopped_ || buffered_.empty()) return 0;
    const size_t n = std::min(size, buffered_.size());
    std::copy_n(buffered_.data(), n, data);
    buffered_.erase(0, n);
    Give(n);
    changed_.notify_all();
    return n;
  }

 private:
  void Give(size_t bytes) {
    if (budget_ != nullptr && bytes > 0) budget_->GiveBytes(bytes);
  }

  const size_t capacity_;
  StreamBudget* const budget_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::string buffered_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace crio::stream
