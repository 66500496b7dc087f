// crio's memory, as text: its answer to CRI-O's heap dump (`crio status heap`, /debug/heap,
// /debug/pprof/heap, --profile-mem), and SIGUSR2's giving free heap back to the system
// (CRI-O forces a garbage collection there).
//
// The text has glibc malloc's totals (mallinfo2), the process's memory lines from
// /proc/self/status (VmRSS, VmHWM, RssAnon, ...), /proc/self/smaps_rollup and malloc's
// per-arena XML (malloc_info). It describes amounts, not allocation sites: C++ keeps no
// record of who allocated what. Thread-safe.
#pragma once

#include <malloc.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crio::diagnostics {

// What the text is made of, read at one moment.
struct HeapSources {
  struct mallinfo2 totals {};
  std::string proc_status;   // /proc/self/status
  std::string smaps_rollup;  // /proc/self/smaps_rollup (empty when unreadable)
  std::string malloc_info;   // malloc_info(0) XML
};

HeapSources ReadHeapSources();

// The statistics text; `header` is its first line.
std::string FormatHeapStats(std::string_view header, const HeapSources& sources);

// ReadHeapSources() formatted, with a header naming the process and the time.
std::string HeapStatsText();

// A "Key:   1234 kB" figure of /proc/PID/status text in KiB, or nullopt.
std::optional<uint64_t> StatusKib(std::string_view status_text, std::string_view key);

struct TrimOutcome {
  bool released = false;  // malloc_trim found memory to give back
  std::optional<uint64_t> rss_before_kib, rss_after_kib;
};

// Returns the free memory of every malloc arena to the system (malloc_trim(0)).
TrimOutcome ReturnFreeHeap();

}  // namespace crio::diagnostics
