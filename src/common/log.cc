#include "common/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <regex>

#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace crio::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};
std::atomic<Sink*> g_sink{nullptr};
std::atomic<int> g_output_fd{STDERR_FILENO};  // --log's file, kept open for the process
std::atomic<std::shared_ptr<const std::regex>> g_filter;

absl::StatusOr<std::shared_ptr<const std::regex>> CompileFilter(const std::string& pattern) {
  if (pattern.empty()) return std::shared_ptr<const std::regex>();
  try {
    return std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return absl::InvalidArgumentError(
        fmt::format("custom log level filter does not compile: {}", error.what()));
  }
}

constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warning",
                                            "error", "fatal", "panic"};

// RFC 3339 with nanoseconds in UTC, as logrus prints with full timestamps.
std::string Timestamp(std::chrono::system_clock::time_point when) {
  const auto since_epoch = when.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds);
  const std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos.count());
}

void WriteAll(std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(g_output_fd.load(std::memory_order_acquire), line.data(),
                              line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the output is gone; nothing better to do with a log line
    line.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

absl::StatusOr<Level> ParseLevel(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "warn") return Level::kWarn;
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (lower == kLevelNames[i]) return static_cast<Level>(i);
  }
  return absl::InvalidArgumentError(fmt::format(
      "unknown log level \"{}\" (allowed: trace, debug, info, warn, error, fatal, panic)", name));
}

std::string_view LevelName(Level level) { return kLevelNames[static_cast<size_t>(level)]; }

absl::StatusOr<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return absl::InvalidArgumentError(
      fmt::format("unknown log format \"{}\" (allowed: text, json)", name));
}

void SetLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level CurrentLevel() { return g_level.load(std::memory_order_relaxed); }
void SetFormat(Format format) { g_format.store(format, std::memory_order_relaxed); }
bool Enabled(Level level) { return level >= CurrentLevel(); }

std::string FormatLine(Format format, Level level, std::chrono::system_clock::time_point when,
                       std::string_view message) {
  if (format == Format::kJson) {
    const nlohmann::json line = {
        {"level", LevelName(level)}, {"msg", message}, {"time", Timestamp(when)}};
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return fmt::format("time=\"{}\" level={} msg={}\n", Timestamp(when), LevelName(level),
                     Quote(message));
}

absl::Status WriteToFile(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_SYNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        fmt::format("open {}: {}", path, std::strerror(errno)));
  }
  // An earlier file stays open: another thread may be writing to it right now.
  g_output_fd.store(fd, std::memory_order_release);
  return absl::OkStatus();
}

void SetSink(Sink* sink) { g_sink.store(sink, std::memory_order_release); }

absl::Status SetFilter(const std::string& pattern) {
  auto filter = CompileFilter(pattern);
  if (!filter.ok()) return filter.status();
  g_filter.store(*std::move(filter));
  return absl::OkStatus();
}

absl::Status CheckFilter(const std::string& pattern) { return CompileFilter(pattern).status(); }

void Write(Level level, std::string_view message) {
  if (const auto filter = g_filter.load(); filter != nullptr &&
      !std::regex_search(message.begin(), message.end(), *filter)) {
    if (level == Level::kFatal) std::exit(1);
    if (level == Level::kPanic) std::abort();
    return;
  }
  const std::string line = FormatLine(g_format.load(std::memory_order_relaxed), level,
                                      std::chrono::system_clock::now(), message);
  if (Sink* sink = g_sink.load(std::memory_order_acquire); sink != nullptr) {
    sink->Write(level, line);
  } else {
    WriteAll(line);
  }
  if (level == Level::kFatal) std::exit(1);
  if (level == Level::kPanic) std::abort();
}

}  // namespace crio::log
