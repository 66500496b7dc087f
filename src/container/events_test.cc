#include "container/events.h"

#include <thread>

#include "gtest/gtest.h"

namespace crio::container {
namespace {

using std::chrono::milliseconds;

TEST(ContainerEventsTest, EverySubscriberGetsEveryEventInOrder) {
  ContainerEvents events;
  auto first = events.Subscribe();
  auto second = events.Subscribe();
  events.Publish({.container_id = "a", .pod_id = "p", .type = EventType::kCreated, .at = 1});
  events.Publish({.container_id = "a", .pod_id = "p", .type = EventType::kStarted, .at = 2});
  for (auto* subscription : {first.get(), second.get()}) {
    auto created = subscription->Next(milliseconds(0));
    ASSERT_TRUE(created);
    EXPECT_EQ(created->type, EventType::kCreated);
    EXPECT_EQ(subscription->Next(milliseconds(0))->type, EventType::kStarted);
    EXPECT_FALSE(subscription->Next(milliseconds(10)));
  }
}

TEST(ContainerEventsTest, WaitsForTheNextEvent) {
  ContainerEvents events;
  auto subscription = events.Subscribe();
  std::thread publisher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    events.Publish({.container_id = "b", .pod_id = "p", .type = EventType::kDeleted, .at = 3});
  });
  auto event = subscription->Next(std::chrono::seconds(10));
  publisher.join();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->container_id, "b");
}

TEST(ContainerEventsTest, ASlowSubscriberDropsAndNeverBlocks) {
  ContainerEvents events(/*capacity=*/2);
  auto slow = events.Subscribe();
  for (int i = 0; i < 5; ++i) events.Publish({.container_id = std::to_string(i)});
  EXPECT_EQ(slow->dropped(), 3u);
  EXPECT_EQ(events.dropped(), 3u);
  EXPECT_EQ(slow->Next(milliseconds(0))->container_id, "0");
}

TEST(ContainerEventsTest, DroppedSubscriptionsAreForgotten) {
  ContainerEvents events;
  { auto gone = events.Subscribe(); }
  events.Publish({.container_id = "c"});  // nobody listens: fine
  auto later = events.Subscribe();
  EXPECT_FALSE(later->Next(milliseconds(0)));
}

}  // namespace
}  // namespace crio::container
