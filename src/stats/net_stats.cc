#include "stats/net_stats.h"

#include <fcntl.h>
#include <sched.h>

#include <sstream>
#include <thread>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "sys/unique_fd.h"

namespace crio::stats {

std::vector<InterfaceUsage> ParseNetDev(const std::string& text) {
  std::vector<InterfaceUsage> interfaces;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // the two header lines
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t values[16] = {};
    for (uint64_t& value : values) fields >> value;
    interfaces.push_back({.name = name,
                          .rx_bytes = values[0],
                          .rx_packets = values[1],
                          .rx_errors = values[2],
                          .rx_dropped = values[3],
                          .tx_bytes = values[8],
                          .tx_packets = values[9],
                          .tx_errors = values[10],
                          .tx_dropped = values[11]});
  }
  return interfaces;
}

absl::StatusOr<std::vector<InterfaceUsage>> NetworkUsageIn(const std::string& netns_path) {
  sys::UniqueFd netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) return ErrnoToStatus(errno, "open " + netns_path);
  absl::StatusOr<std::string> text = absl::UnknownError("not read");
  std::thread reader([&] {
    if (::setns(netns.get(), CLONE_NEWNET) != 0) {
      text = ErrnoToStatus(errno, "enter " + netns_path);
      return;
    }
    text = ReadFileToString("/proc/thread-self/net/dev", 1 << 20);
  });
  reader.join();
  if (!text.ok()) return text.status();
  return ParseNetDev(*text);
}

}  // namespace crio::stats
