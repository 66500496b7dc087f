#include "diagnostics/heap_stats.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "common/read_file.h"
#include "common/rfc3339.h"
#include "common/strings.h"
#include "diagnostics/thread_dump.h"
#include "fmt/format.h"

namespace crio::diagnostics {
namespace {

// The memory lines of /proc/self/status worth a look, in the kernel's order.
constexpr std::string_view kStatusKeys[] = {"VmPeak",  "VmSize",   "VmHWM",  "VmRSS",  "RssAnon",
                                            "RssFile", "RssShmem", "VmData", "VmStk",  "VmExe",
                                            "VmLib",   "VmPTE",    "VmSwap", "Threads"};

std::string ProcFile(const char* path) {
  auto text = ReadFileToString(path, 1 << 20);
  return text.ok() ? *text : std::string();
}

// malloc_info(0) into a string (it only writes to a FILE).
std::string MallocInfoXml() {
  char* buffer = nullptr;
  size_t size = 0;
  FILE* stream = ::open_memstream(&buffer, &size);
  if (stream == nullptr) return {};
  ::malloc_info(0, stream);
  std::fclose(stream);
  std::string xml(buffer, size);
  std::free(buffer);
  return xml;
}

std::string Totals(const struct mallinfo2& m) {
  const struct {
    std::string_view name;
    size_t value;
    std::string_view meaning;
  } rows[] = {
      {"arena", m.arena, "bytes from the system outside mmap (sbrk)"},
      {"ordblks", m.ordblks, "free chunks"},
      {"smblks", m.smblks, "free fastbin chunks"},
      {"hblks", m.hblks, "mmapped regions"},
      {"hblkhd", m.hblkhd, "bytes in mmapped regions"},
      {"fsmblks", m.fsmblks, "bytes in free fastbin chunks"},
      {"uordblks", m.uordblks, "bytes in use"},
      {"fordblks", m.fordblks, "bytes free"},
      {"keepcost", m.keepcost, "bytes malloc_trim could give back from the top"},
  };
  std::string text = "malloc (mallinfo2; main arena and mmapped regions):\n";
  for (const auto& row : rows) {
    text += fmt::format("  {:<9} {:>14}  {}\n", row.name, row.value, row.meaning);
  }
  return text;
}

}  // namespace

HeapSources ReadHeapSources() {
  return {.totals = ::mallinfo2(),
          .proc_status = ProcFile("/proc/self/status"),
          .smaps_rollup = ProcFile("/proc/self/smaps_rollup"),
          .malloc_info = MallocInfoXml()};
}

std::string FormatHeapStats(std::string_view header, const HeapSources& sources) {
  std::string text = fmt::format("{}\n\n", header);
  text += Totals(sources.totals);
  text += "\nprocess (/proc/self/status):\n";
  for (const std::string_view key : kStatusKeys) {
    const std::string value = StatusField(sources.proc_status, key);
    if (!value.empty()) text += fmt::format("  {:<9} {}\n", std::string(key) + ":", value);
  }
  if (!sources.smaps_rollup.empty()) {
    text += "\n/proc/self/smaps_rollup:\n";
    for (const std::string_view line : SplitTrimmed(sources.smaps_rollup, '\n')) {
      text += fmt::format("  {}\n", line);
    }
  }
  if (!sources.malloc_info.empty()) text += "\nmalloc_info (every arena):\n" + sources.malloc_info;
  if (!text.ends_with('\n')) text += '\n';
  return text;
}

std::string HeapStatsText() {
  return FormatHeapStats(
      fmt::format("crio heap statistics: pid {}, {}", ::getpid(), CompactRfc3339Now()),
      ReadHeapSources());
}

std::optional<uint64_t> StatusKib(std::string_view status_text, std::string_view key) {
  const std::string value = StatusField(status_text, key);  // "123456 kB"
  uint64_t kib = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), kib);
  if (error != std::errc() || std::string_view(end, value.data() + value.size()) != " kB") {
    return std::nullopt;
  }
  return kib;
}

TrimOutcome ReturnFreeHeap() {
  TrimOutcome outcome;
  outcome.rss_before_kib = StatusKib(ProcFile("/proc/self/status"), "VmRSS");
  outcome.released = ::malloc_trim(0) != 0;
  outcome.rss_after_kib = StatusKib(ProcFile("/proc/self/status"), "VmRSS");
  return outcome;
}

}  // namespace crio::diagnostics
