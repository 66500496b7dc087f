// Network counters of a pod: the interfaces of its network namespace, read from
// /proc/thread-self/net/dev by a short-lived thread that joins the namespace (a thread's
// network namespace is its own; the thread ends right after, so no other code runs in it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::stats {

struct InterfaceUsage {
  std::string name;
  uint64_t rx_bytes = 0;
  uint64_t rx_packets = 0;
  uint64_t rx_errors = 0;
  uint64_t rx_dropped = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_errors = 0;
  uint64_t tx_dropped = 0;
};

// Parses /proc/net/dev text; the loopback interface is left out.
std::vector<InterfaceUsage> ParseNetDev(const std::string& text);

// The interfaces of the network namespace pinned at `netns_path`.
absl::StatusOr<std::vector<InterfaceUsage>> NetworkUsageIn(const std::string& netns_path);

}  // namespace crio::stats
