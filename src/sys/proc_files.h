// Figures of one process read from its /proc directory ("/proc/self", "/proc/1234"): its open
// files and sockets (PROC/fd) and its soft limit on open files (PROC/limits). Used for crio's
// own process metrics and for containers' pod metrics. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace crio::sys {

struct OpenFiles {
  uint64_t files = 0;
  uint64_t sockets = 0;
};

// The descriptors open in the process at `proc`; zeros when it is gone.
OpenFiles CountOpenFiles(const std::string& proc);

// The soft RLIMIT_NOFILE of the process at `proc`; nullopt when unlimited or unreadable.
std::optional<uint64_t> SoftOpenFilesLimit(const std::string& proc);
// The same from PROC/limits text:
// "Max open files            1024                 1048576              files".
std::optional<uint64_t> ParseSoftOpenFilesLimit(const std::string& limits_text);

}  // namespace crio::sys
