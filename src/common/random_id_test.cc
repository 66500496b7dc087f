#include "common/random_id.h"

#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(RandomIdTest, NewIdsHaveTheFormIsRandomIdRecognizes) {
  const std::string id = NewRandomId();
  EXPECT_TRUE(IsRandomId(id));
  EXPECT_NE(NewRandomId(), id);
  EXPECT_FALSE(IsRandomId(id.substr(1)));
  EXPECT_FALSE(IsRandomId(std::string(64, 'A')));  // lowercase only
  EXPECT_FALSE(IsRandomId("cni-1234-5678"));
}

}  // namespace
}  // namespace crio
