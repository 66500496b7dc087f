#include "common/rfc3339.h"

#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(Rfc3339Test, FormatsAsGoMarshalsTime) {
  EXPECT_EQ(Rfc3339Nano(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(Rfc3339Nano(1'764'765'326'247'139'789), "2025-12-03T12:35:26.247139789Z");
}

TEST(Rfc3339Test, CompactAsCrioNamesItsDumpFiles) {
  EXPECT_EQ(CompactRfc3339(0, 0), "1970-01-01T000000Z");
  EXPECT_EQ(CompactRfc3339(1'796'725'800, 3600), "2026-12-08T113000+0100");
  EXPECT_EQ(CompactRfc3339(1'796'725'800, -5400), "2026-12-08T090000-0130");
  EXPECT_EQ(CompactRfc3339Now().find(':'), std::string::npos);
}

}  // namespace
}  // namespace crio
