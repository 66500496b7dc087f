#include "common/rfc3339.h"

#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(Rfc3339Test, FormatsAsGoMarshalsTime) {
  EXPECT_EQ(Rfc3339Nano(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(Rfc3339Nano(1'764'765'326'247'139'789), "2025-12-03T12:35:26.247139789Z");
}

}  // namespace
}  // namespace crio
