#include "stream/token_cache.h"

#include "gtest/gtest.h"

namespace crio::stream {
namespace {

TEST(TokenCacheTest, TokensAreSingleUse) {
  TokenCache cache({});
  auto token = cache.Insert(ExecTarget{.container_id = "c1"});
  ASSERT_TRUE(token.ok());
  EXPECT_GE(token->size(), 20u);
  EXPECT_EQ(token->find_first_of("+/="), std::string::npos);  // URL-safe
  auto target = cache.Consume(*token);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(std::get<ExecTarget>(*target).container_id, "c1");
  EXPECT_FALSE(cache.Consume(*token).has_value());
  EXPECT_FALSE(cache.Consume("made-up").has_value());
}

TEST(TokenCacheTest, TokensExpire) {
  TokenCache::Clock::time_point now = TokenCache::Clock::now();
  TokenCache cache({.ttl = std::chrono::minutes(1), .capacity = 2, .now = [&] { return now; }});
  auto old_token = cache.Insert(AttachTarget{});
  auto fresh = cache.Insert(AttachTarget{});
  ASSERT_TRUE(old_token.ok() && fresh.ok());
  EXPECT_FALSE(cache.Insert(AttachTarget{}).ok());  // full
  now += std::chrono::seconds(61);
  EXPECT_FALSE(cache.Consume(*old_token).has_value());
  EXPECT_TRUE(cache.Insert(PortForwardTarget{}).ok());  // expired ones made room
}

TEST(TokenCacheTest, CapacityBoundsTokensInFlight) {
  TokenCache cache({.capacity = 3});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache.Insert(ExecTarget{}).ok());
  auto refused = cache.Insert(ExecTarget{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace crio::stream
