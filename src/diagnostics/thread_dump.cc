#include "diagnostics/thread_dump.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "common/atomic_file.h"
#include "common/read_file.h"
#include "common/rfc3339.h"
#include "common/strings.h"
#include "diagnostics/symbolizer.h"
#include "diagnostics/thread_capture.h"
#include "fmt/format.h"
#include "sys/unique_fd.h"

namespace crio::diagnostics {
namespace {

using Clock = std::chrono::steady_clock;

// The threads of this process, main thread first (its tid is the pid).
std::vector<pid_t> ListThreads() {
  std::vector<pid_t> tids;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return {::gettid()};
  while (const dirent* entry = ::readdir(dir)) {
    pid_t tid = 0;
    const std::string_view name(entry->d_name);
    if (std::from_chars(name.data(), name.data() + name.size(), tid).ec == std::errc() && tid > 0) {
      tids.push_back(tid);
    }
  }
  ::closedir(dir);
  std::sort(tids.begin(), tids.end());
  return tids;
}

std::string TaskFile(pid_t tid, std::string_view name) {
  auto text = ReadFileToString(fmt::format("/proc/self/task/{}/{}", tid, name), 1 << 20);
  return text.ok() ? *text : std::string();
}

std::string TrimNewline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::vector<std::string> Describe(const std::vector<uintptr_t>& frames, Symbolizer& symbolizer) {
  std::vector<std::string> described;
  for (size_t i = 0; i < frames.size(); ++i) {
    described.push_back(fmt::format(
        "{:#018x} {}", frames[i],
        diagnostics::Describe(symbolizer.Resolve(frames[i], /*is_return_address=*/i > 0))));
  }
  return described;
}

// One thread's user-space stack, or why there is none, in `report`.
void CaptureInto(ThreadReport& report, std::string_view status, Clock::time_point deadline,
                 const DumpLimits& limits, Symbolizer& symbolizer) {
  if (report.tid != ::gettid() && SignalBlocked(status, ThreadCaptureSignal())) {
    report.missing = fmt::format("the thread blocks signal {}", ThreadCaptureSignal());
    return;
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    report.missing = "the dump's time limit was reached before this thread";
    return;
  }
  auto frames = CaptureThreadStack(report.tid, std::min(limits.per_thread, left));
  if (!frames.ok()) {
    report.missing = std::string(AsStd(frames.status().message()));
    return;
  }
  report.frames = Describe(*frames, symbolizer);
}

}  // namespace

std::string StatusField(std::string_view status_text, std::string_view key) {
  for (const std::string_view line : SplitTrimmed(status_text, '\n')) {
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      std::string_view value = line.substr(key.size() + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      return std::string(value);
    }
  }
  return {};
}

bool SignalBlocked(std::string_view status_text, int signal) {
  const std::string mask_text = StatusField(status_text, "SigBlk");
  uint64_t mask = 0;
  if (signal < 1 || signal > 64 ||
      std::from_chars(mask_text.data(), mask_text.data() + mask_text.size(), mask, 16).ec !=
          std::errc()) {
    return false;
  }
  return (mask >> (signal - 1)) & 1;
}

std::vector<ThreadReport> CollectThreadReports(const DumpLimits& limits) {
  const Clock::time_point deadline = Clock::now() + limits.total;
  Symbolizer symbolizer;
  std::vector<ThreadReport> reports;
  for (const pid_t tid : ListThreads()) {
    const std::string status = TaskFile(tid, "status");
    if (status.empty()) continue;  // exited since it was listed
    ThreadReport report{.tid = tid,
                        .name = TrimNewline(TaskFile(tid, "comm")),
                        .state = StatusField(status, "State")};
    CaptureInto(report, status, deadline, limits, symbolizer);
    report.kernel_stack = TrimNewline(TaskFile(tid, "stack"));
    reports.push_back(std::move(report));
  }
  return reports;
}

std::string FormatThreadDump(std::string_view header, const std::vector<ThreadReport>& threads) {
  std::string text = fmt::format("{}\n", header);
  for (const ThreadReport& thread : threads) {
    text += fmt::format("\nthread {} \"{}\" [{}]:\n", thread.tid, thread.name, thread.state);
    for (size_t i = 0; i < thread.frames.size(); ++i) {
      text += fmt::format("  #{:<2} {}\n", i, thread.frames[i]);
    }
    if (thread.frames.empty()) text += fmt::format("  no user-space stack: {}\n", thread.missing);
    if (thread.kernel_stack.empty()) continue;
    text += "  kernel:\n";
    for (const std::string_view line : SplitTrimmed(thread.kernel_stack, '\n')) {
      text += fmt::format("    {}\n", line);
    }
  }
  return text;
}

std::string ThreadDumpText(const DumpLimits& limits) {
  const std::vector<ThreadReport> threads = CollectThreadReports(limits);
  return FormatThreadDump(fmt::format("crio thread stacks: pid {}, {} threads, {}", ::getpid(),
                                      threads.size(), CompactRfc3339Now()),
                          threads);
}

std::string StackDumpPath() {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  return fmt::format("{}/crio-goroutine-stacks-{}.log", dir, CompactRfc3339Now());
}

absl::StatusOr<std::string> WriteStackDump() {
  const std::string path = StackDumpPath();
  // 0600: the file sits in a world-readable directory; the stacks are crio's internals.
  if (auto written = WriteFileAtomically(path, ThreadDumpText(), 0600); !written.ok()) {
    return written;
  }
  return path;
}

}  // namespace crio::diagnostics
