#include "diagnostics/pprof_handler.h"

#include <charconv>

#include "common/log.h"
#include "common/read_file.h"
#include "common/strings.h"
#include "diagnostics/cpu_profiler.h"
#include "diagnostics/heap_stats.h"
#include "diagnostics/thread_dump.h"
#include "fmt/format.h"

namespace crio::diagnostics {
namespace {

constexpr std::string_view kPrefix = "/debug/pprof/";
constexpr int kDefaultSeconds = 30, kMaxSeconds = 120;

constexpr std::string_view kIndex =
    "crio diagnostics (text, not pprof's protobuf):\n"
    "/debug/pprof/goroutine  every thread's stack\n"
    "/debug/pprof/heap       memory statistics (malloc, /proc/self/status, smaps_rollup)\n"
    "/debug/pprof/profile    CPU samples for ?seconds=N (default 30) as folded stacks\n"
    "/debug/pprof/cmdline    crio's arguments, NUL-separated\n";

status::HttpResponse Text(int code, std::string body) {
  return {.status = code, .content_type = "text/plain; charset=utf-8", .body = std::move(body)};
}

}  // namespace

status::HttpResponse PprofHandler::CpuProfile(std::string_view target) {
  const std::optional<int> seconds = ProfileSeconds(target);
  if (!seconds) {
    return Text(400, fmt::format("seconds must be a whole number from 1 to {}\n", kMaxSeconds));
  }
  auto profiler = CpuProfiler::Start();
  if (!profiler.ok()) {
    const int code = absl::IsFailedPrecondition(profiler.status()) ? 409 : 500;
    return Text(code, fmt::format("Could not enable CPU profiling: {}\n",
                                  AsStd(profiler.status().message())));
  }
  bool cut_short = false;
  {
    std::unique_lock lock(mu_);
    cut_short =
        shutdown_cv_.wait_for(lock, std::chrono::seconds(*seconds), [this] { return shutdown_; });
  }
  const StackCounts counts = (*profiler)->Stop();
  if (cut_short) return Text(503, "crio is shutting down; the profile was cut short\n");
  if ((*profiler)->lost() > 0) log::Warn("CPU profile: {} samples lost", (*profiler)->lost());
  return Text(200, FoldStacks(counts, SymbolizingNamer()));
}

void PprofHandler::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  shutdown_cv_.notify_all();
}

std::optional<int> ProfileSeconds(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return kDefaultSeconds;
  for (const std::string_view pair : SplitTrimmed(target.substr(query + 1), '&')) {
    if (!pair.starts_with("seconds=")) continue;
    const std::string_view value = pair.substr(8);
    int seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size() || seconds < 1 ||
        seconds > kMaxSeconds) {
      return std::nullopt;
    }
    return seconds;
  }
  return kDefaultSeconds;
}

status::HttpResponse PprofHandler::Handle(const status::HttpRequest& request) {
  if (request.method != "GET") return Text(405, "only GET\n");
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path == "/debug/pprof" || path == kPrefix) return Text(200, std::string(kIndex));
  if (!path.starts_with(kPrefix)) return Text(404, "not found\n");
  const std::string_view name = path.substr(kPrefix.size());
  if (name == "goroutine") return Text(200, ThreadDumpText());
  if (name == "heap") return Text(200, HeapStatsText());
  if (name == "profile") return CpuProfile(request.target);
  if (name == "cmdline") {
    auto cmdline = ReadFileToString("/proc/self/cmdline", 1 << 20);
    return cmdline.ok() ? Text(200, *cmdline) : Text(500, "cannot read /proc/self/cmdline\n");
  }
  return Text(404, fmt::format("unknown profile: {}\n{}", name, kIndex));
}

}  // namespace crio::diagnostics
