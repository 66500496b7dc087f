#include "diagnostics/heap_stats.h"

#include "gtest/gtest.h"

namespace crio::diagnostics {
namespace {

TEST(HeapStatsTest, ReadsKibFigures) {
  const std::string status = "VmHWM:\t   9000 kB\nVmRSS:\t   5120 kB\nThreads:\t7\n";
  EXPECT_EQ(StatusKib(status, "VmRSS"), 5120u);
  EXPECT_EQ(StatusKib(status, "VmHWM"), 9000u);
  EXPECT_EQ(StatusKib(status, "Threads"), std::nullopt);  // no unit
  EXPECT_EQ(StatusKib(status, "RssAnon"), std::nullopt);
}

TEST(HeapStatsTest, FormatsTotalsStatusLinesRollupAndArenas) {
  HeapSources sources;
  sources.totals.uordblks = 4096;
  sources.totals.fordblks = 512;
  sources.proc_status = "Name:\tcrio\nVmRSS:\t   5120 kB\nRssAnon:\t    100 kB\nThreads:\t7\n";
  sources.smaps_rollup = "00400000-7fff [rollup]\nRss:                5120 kB\n";
  sources.malloc_info = "<malloc version=\"1\">\n</malloc>\n";
  const std::string text = FormatHeapStats("header", sources);
  EXPECT_TRUE(text.starts_with("header\n\nmalloc (mallinfo2")) << text;
  EXPECT_NE(text.find("  uordblks            4096  bytes in use\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  fordblks             512  bytes free\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  VmRSS:    5120 kB\n  RssAnon:  100 kB\n  Threads:  7\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Name:"), std::string::npos) << text;
  EXPECT_NE(text.find("/proc/self/smaps_rollup:\n  00400000-7fff [rollup]\n  Rss:"),
            std::string::npos)
      << text;
  EXPECT_TRUE(text.ends_with("malloc_info (every arena):\n<malloc version=\"1\">\n</malloc>\n"))
      << text;
}

TEST(HeapStatsTest, DescribesThisProcess) {
  const std::string text = HeapStatsText();
  EXPECT_TRUE(text.starts_with("crio heap statistics: pid ")) << text;
  EXPECT_NE(text.find("VmRSS:"), std::string::npos) << text;
  EXPECT_NE(text.find("VmHWM:"), std::string::npos) << text;
  EXPECT_NE(text.find("<malloc version="), std::string::npos) << text;
}

TEST(HeapStatsTest, ReturningFreeHeapMeasuresTheResidentSet) {
  const TrimOutcome outcome = ReturnFreeHeap();
  EXPECT_TRUE(outcome.rss_before_kib.has_value());
  EXPECT_TRUE(outcome.rss_after_kib.has_value());
}

}  // namespace
}  // namespace crio::diagnostics
