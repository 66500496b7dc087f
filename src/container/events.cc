#include "container/events.h"

#include <algorithm>

namespace crio::container {

std::optional<ContainerEvent> EventSubscription::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!ready_.wait_for(lock, timeout, [this] { return !queue_.empty(); })) return std::nullopt;
  ContainerEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

uint64_t EventSubscription::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

bool EventSubscription::Offer(const ContainerEvent& event) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return false;
    }
    queue_.push_back(event);
  }
  ready_.notify_one();
  return true;
}

std::shared_ptr<EventSubscription> ContainerEvents::Subscribe() {
  auto subscription = std::make_shared<EventSubscription>(capacity_);
  std::lock_guard lock(mu_);
  subscribers_.push_back(subscription);
  return subscription;
}

bool ContainerEvents::HasSubscribers() const {
  std::lock_guard lock(mu_);
  return std::any_of(subscribers_.begin(), subscribers_.end(),
                     [](const std::weak_ptr<EventSubscription>& weak) { return !weak.expired(); });
}

void ContainerEvents::Publish(const ContainerEvent& event) {
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard lock(mu_);
    std::erase_if(subscribers_, [&](const std::weak_ptr<EventSubscription>& weak) {
      std::shared_ptr<EventSubscription> subscriber = weak.lock();
      if (!subscriber) return true;  // its stream ended
      live.push_back(std::move(subscriber));
      return false;
    });
  }
  for (const auto& subscriber : live) {
    if (!subscriber->Offer(event)) ++dropped_;
  }
}

}  // namespace crio::container
