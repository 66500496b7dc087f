// Leveled logging to stderr, in logrus' text or JSON shape as CRI-O prints it:
//   time="2026-11-24T01:51:40.123456789Z" level=info msg="Started crio"
//   {"level":"info","msg":"Started crio","time":"2026-11-24T01:51:40.123456789Z"}
//
// Thread-safe: level, format and sink are atomics (SIGHUP may change the level while
// rpcs log), and each line reaches stderr in a single write(2).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "fmt/format.h"

namespace crio::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kFatal, kPanic };
enum class Format { kText, kJson };

// Accepts CRI-O's level names: trace, debug, info, warn (or warning), error, fatal, panic.
absl::StatusOr<Level> ParseLevel(std::string_view name);
std::string_view LevelName(Level level);
absl::StatusOr<Format> ParseFormat(std::string_view name);  // "text" or "json"

void SetLevel(Level level);
Level CurrentLevel();
void SetFormat(Format format);
bool Enabled(Level level);

// CRI-O's log_filter: from now on only messages `pattern` (a regular expression, searched
// anywhere in the message) matches are written; empty: all. INVALID_ARGUMENT in CRI-O's
// words ("custom log level filter does not compile: …") when it does not compile, and the
// filter in effect stays.
absl::Status SetFilter(const std::string& pattern);
// The same check without changing anything.
absl::Status CheckFilter(const std::string& pattern);

// One formatted line (with trailing newline) for `message` at `level` and time `when`.
std::string FormatLine(Format format, Level level, std::chrono::system_clock::time_point when,
                       std::string_view message);

// Where lines go instead of stderr: a capture in tests, say.
class Sink {
 public:
  virtual ~Sink() = default;
  // `line` is one formatted line, newline included. Called from any thread.
  virtual void Write(Level level, std::string_view line) = 0;
};

// Sends every line to `sink` from now on; nullptr sends them to stderr again.
// REQUIRES: `sink` outlives every Write that may still reach it (no thread logs while it is
// replaced and destroyed).
void SetSink(Sink* sink);

// CRI-O's --log: lines go to the end of the file `path` (created 0600 when missing, each
// line written through to disk) instead of stderr, from now on. A sink still takes
// precedence.
absl::Status WriteToFile(const std::string& path);

// Writes `message` at `level` if enabled. Level kFatal exits the process with status 1
// after writing; kPanic aborts.
void Write(Level level, std::string_view message);

template <typename... Args>
void Log(Level level, fmt::format_string<Args...> format, Args&&... args) {
  if (Enabled(level)) Write(level, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void Trace(fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kTrace, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Debug(fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kDebug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Info(fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kInfo, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Warn(fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kWarn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Error(fmt::format_string<Args...> format, Args&&... args) {
  Log(Level::kError, format, std::forward<Args>(args)...);
}
template <typename... Args>
[[noreturn]] void Fatal(fmt::format_string<Args...> format, Args&&... args) {
  Write(Level::kFatal, fmt::format(format, std::forward<Args>(args)...));
  __builtin_unreachable();
}

}  // namespace crio::log
