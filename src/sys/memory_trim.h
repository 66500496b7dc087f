// Giving back the pages start-up touched and no longer needs.
//
// A C++ daemon linked against gRPC, OpenSSL, libcurl and SQLite faults in several MB of
// library text and read-only data while it starts (static initializers, relocation, the
// kernel's fault-around mapping 16 neighbouring pages per fault); most of it is never run
// again. Those pages are clean copies of files: dropping them from this process's page
// tables costs nothing (they stay in the page cache) and a later use faults them back in.
// Only read-only mappings without anonymous (copied-on-write) pages are touched, so no
// relocated or written byte is ever discarded.
#pragma once

#include <cstddef>
#include <string>

namespace crio::sys {

struct TrimResult {
  size_t mappings = 0;  // file mappings released
  size_t bytes = 0;     // their size (not all of it was resident)
};

// Releases the read-only or executable file mappings without written pages listed in
// `smaps` (/proc/self/smaps) and marks them for random access, so later faults map single
// pages instead of fault-around blocks.
TrimResult ReleaseCleanFilePages(const std::string& smaps = "/proc/self/smaps");

}  // namespace crio::sys
