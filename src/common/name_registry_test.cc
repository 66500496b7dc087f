#include "common/name_registry.h"

#include <future>
#include <thread>

#include "gtest/gtest.h"

namespace crio {
namespace {

using std::chrono::milliseconds;

Caller GoneCaller() {
  return Caller{.gone = [] { return true; }};
}

TEST(NameRegistryTest, ANameIsTakenUntilReleased) {
  NameRegistry names("container");
  ASSERT_EQ(*names.Reserve("web", "id1", {}), std::nullopt);
  names.Created("web", /*caller_gone=*/false);
  const auto taken = names.Reserve("web", "id2", {});
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.status().message(), "container with name \"web\" already exists with ID id1");
  names.Release("web");
  EXPECT_EQ(*names.Reserve("web", "id2", {}), std::nullopt);
}

TEST(NameRegistryTest, AResultNobodyReceivedGoesToTheRetryOnce) {
  NameRegistry names("pod sandbox");
  ASSERT_TRUE(names.Reserve("web", "id1", {}).ok());
  names.Created("web", /*caller_gone=*/true);
  EXPECT_EQ(*names.Reserve("web", "id2", {}), std::optional<std::string>("id1"));
  EXPECT_EQ(names.Reserve("web", "id3", {}).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(NameRegistryTest, UnclaimedResultsExpire) {
  NameRegistry names("pod sandbox", milliseconds(0));
  ASSERT_TRUE(names.Reserve("web", "id1", GoneCaller()).ok());
  names.Created("web", /*caller_gone=*/true);
  EXPECT_EQ(names.Unclaimed(), std::vector<std::string>{"id1"});
  EXPECT_TRUE(names.Unclaimed().empty());
  // No longer kept: a retry now finds the name taken (the owner removes the object).
  EXPECT_EQ(names.Reserve("web", "id2", {}).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(NameRegistryTest, ReleasingForgetsAKeptResult) {
  NameRegistry names("pod sandbox", milliseconds(0));
  ASSERT_TRUE(names.Reserve("web", "id1", {}).ok());
  names.Created("web", /*caller_gone=*/true);
  names.Release("web");  // removed by other means
  EXPECT_TRUE(names.Unclaimed().empty());
}

TEST(NameRegistryTest, ARetryWaitsForTheFirstToFinish) {
  NameRegistry names("pod sandbox");
  ASSERT_TRUE(names.Reserve("web", "id1", {}).ok());
  auto retry = std::async(std::launch::async, [&] { return names.Reserve("web", "id2", {}); });
  EXPECT_EQ(retry.wait_for(milliseconds(100)), std::future_status::timeout);
  names.Created("web", /*caller_gone=*/true);
  EXPECT_EQ(*retry.get(), std::optional<std::string>("id1"));
}

TEST(NameRegistryTest, ARetryTakesTheNameWhenTheFirstFails) {
  NameRegistry names("pod sandbox");
  ASSERT_TRUE(names.Reserve("web", "id1", {}).ok());
  auto retry = std::async(std::launch::async, [&] { return names.Reserve("web", "id2", {}); });
  std::this_thread::sleep_for(milliseconds(50));
  names.Release("web");
  EXPECT_EQ(*retry.get(), std::nullopt);  // reserved for id2
}

TEST(NameRegistryTest, ARetryStopsWaitingAtItsDeadline) {
  NameRegistry names("pod sandbox");
  ASSERT_TRUE(names.Reserve("web", "id1", {}).ok());
  const auto retry = names.Reserve(
      "web", "id2", Caller{.deadline = std::chrono::steady_clock::now() + milliseconds(20)});
  EXPECT_EQ(retry.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(retry.status().message().find("still being created with ID id1"), std::string::npos);
}

}  // namespace
}  // namespace crio
