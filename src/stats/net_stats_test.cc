#include "stats/net_stats.h"

#include "gtest/gtest.h"

namespace crio::stats {
namespace {

TEST(ParseNetDevTest, InterfacesWithoutLoopback) {
  const auto interfaces = ParseNetDev(
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     100       1    0    0    0     0          0         0      100       1    0 "
      "   0    0     0       0          0\n"
      "  eth0:    5000      40    2    4    0     0          0         0     3000      30    1 "
      "   3    0     0       0          0\n");
  ASSERT_EQ(interfaces.size(), 1u);
  EXPECT_EQ(interfaces[0].name, "eth0");
  EXPECT_EQ(interfaces[0].rx_bytes, 5000u);
  EXPECT_EQ(interfaces[0].rx_errors, 2u);
  EXPECT_EQ(interfaces[0].tx_bytes, 3000u);
  EXPECT_EQ(interfaces[0].tx_errors, 1u);
  EXPECT_EQ(interfaces[0].rx_packets, 40u);
  EXPECT_EQ(interfaces[0].rx_dropped, 4u);
  EXPECT_EQ(interfaces[0].tx_packets, 30u);
  EXPECT_EQ(interfaces[0].tx_dropped, 3u);
}

TEST(NetworkUsageInTest, TheCallersOwnNamespaceIsReadable) {
  // Joining the namespace the process is already in works without privileges beyond
  // CAP_SYS_ADMIN; skip where that is missing.
  auto interfaces = NetworkUsageIn("/proc/self/ns/net");
  if (!interfaces.ok() && interfaces.status().code() == absl::StatusCode::kPermissionDenied) {
    GTEST_SKIP() << interfaces.status();
  }
  EXPECT_TRUE(interfaces.ok()) << interfaces.status();
  EXPECT_FALSE(NetworkUsageIn("/nonexistent").ok());
}

}  // namespace
}  // namespace crio::stats
