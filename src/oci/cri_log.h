// The CRI container log format conmon writes, one line per chunk:
//   2024-01-02T03:04:05.123456789Z stdout F text
// where F ends a line and P marks a partial one. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace crio::oci {

struct SplitOutput {
  std::string out;
  std::string err;
};

// Rebuilds each stream's bytes from `log`: full lines get their newline back, partial
// lines none. Lines that are not in the format are skipped.
SplitOutput ParseCriLog(std::string_view log);

}  // namespace crio::oci
