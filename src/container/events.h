// ContainerEvents: the lifecycle events the CRI GetContainerEvents stream carries (created,
// started, stopped, deleted), published by Containers where the state changes — a stop
// CRI asked for and an exit conmon noticed alike — with the pod and its containers as they
// were at that moment. Each subscriber gets its own bounded
// queue: a subscriber that does not keep up loses events (counted), and never slows
// crio down.
//
// Thread-safe: Publish and the subscriptions lock their own mutexes only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "container/container.h"
#include "sandbox/sandbox.h"

namespace crio::container {

enum class EventType { kCreated = 0, kStarted = 1, kStopped = 2, kDeleted = 3 };  // CRI's

struct ContainerEvent {
  std::string container_id;
  std::string pod_id;
  EventType type = EventType::kCreated;
  int64_t at = 0;  // ns since the epoch
  // The pod and its containers as they were when it happened.
  std::optional<sandbox::Sandbox> pod;
  std::vector<Container> pod_containers;
};

class EventSubscription {
 public:
  explicit EventSubscription(size_t capacity) : capacity_(capacity) {}

  // The next event, waiting up to `timeout`; nullopt when none came.
  std::optional<ContainerEvent> Next(std::chrono::milliseconds timeout);
  // Events this subscriber lost because its queue was full.
  uint64_t dropped() const;

 private:
  friend class ContainerEvents;
  // False when the queue is full and the event is dropped.
  bool Offer(const ContainerEvent& event);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<ContainerEvent> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

class ContainerEvents {
 public:
  // `capacity`: each subscriber's queue (CRI-O buffers 1000).
  explicit ContainerEvents(size_t capacity = 1000) : capacity_(capacity) {}

  // A new subscriber, fed until the returned pointer is dropped.
  std::shared_ptr<EventSubscription> Subscribe();
  // Whether anyone listens (so publishers can skip building events).
  bool HasSubscribers() const;
  void Publish(const ContainerEvent& event);
  // Events lost by all subscribers so far (for the metrics).
  uint64_t dropped() const { return dropped_.load(); }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<EventSubscription>> subscribers_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace crio::container
