#include "metrics/process_metrics.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include "common/read_file.h"
#include "fmt/format.h"
#include "sys/proc_files.h"

namespace crio::metrics {
namespace {

std::optional<uint64_t> Number(std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// The fields of PROC/stat after the command name, which may hold spaces and parentheses:
// fields[0] is the state (field 3 in proc(5)), fields[11] utime (14), fields[12] stime (15),
// fields[19] starttime (22), fields[20] vsize (23).
std::vector<std::string> StatFields(const std::string& proc) {
  std::istringstream stat(ReadFileToString(proc + "/stat", 64 << 10).value_or(""));
  std::string line;
  if (!std::getline(stat, line)) return {};
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return {};
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// A "Key:   value" line of PROC/status or a row of PROC/limits, as text after the key.
std::optional<std::string> LineAfter(const std::string& path, std::string_view key) {
  std::istringstream file(ReadFileToString(path, 1 << 20).value_or(""));
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with(key)) {
      const size_t value = line.find_first_not_of(" \t", key.size());
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> BootTimeSeconds() {
  auto line = LineAfter("/proc/stat", "btime");
  return line ? Number(*line) : std::nullopt;
}

void Gauge(std::string& out, std::string_view name, std::string_view help, std::string_view type,
           double value) {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

}  // namespace

void RenderProcessMetrics(const std::string& proc, std::string& out) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const std::vector<std::string> stat = StatFields(proc);
  if (stat.size() > 20) {
    const auto user = Number(stat[11]), system = Number(stat[12]);
    if (user && system) {
      Gauge(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
            "counter", static_cast<double>(*user + *system) / ticks);
    }
    const auto started = Number(stat[19]);
    const auto boot = BootTimeSeconds();
    if (started && boot) {
      Gauge(out, "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.", "gauge",
            static_cast<double>(*boot) + static_cast<double>(*started) / ticks);
    }
    if (const auto virtual_bytes = Number(stat[20])) {
      Gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
            static_cast<double>(*virtual_bytes));
    }
  }
  if (const auto rss = LineAfter(proc + "/status", "VmRSS:")) {
    if (const auto kib = Number(*rss)) {
      Gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
            static_cast<double>(*kib * 1024));
    }
  }
  Gauge(out, "process_open_fds", "Number of open file descriptors.", "gauge",
        static_cast<double>(sys::CountOpenFiles(proc).files));
  if (const auto soft = sys::SoftOpenFilesLimit(proc)) {
    Gauge(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
          static_cast<double>(*soft));
  }
  if (const auto threads = LineAfter(proc + "/status", "Threads:")) {
    if (const auto count = Number(*threads)) {
      Gauge(out, "process_threads", "Number of OS threads in the process.", "gauge",
            static_cast<double>(*count));
    }
  }
}

uint64_t DefunctChildren(const std::string& proc) {
  std::istringstream stat(ReadFileToString(proc + "/stat", 64 << 10).value_or(""));
  std::string self;
  stat >> self;  // its pid
  uint64_t defunct = 0;
  std::error_code ignored;
  for (auto it = std::filesystem::directory_iterator("/proc", ignored);
       it != std::filesystem::directory_iterator(); it.increment(ignored)) {
    const std::vector<std::string> fields = StatFields(it->path().string());
    defunct += fields.size() > 1 && fields[0] == "Z" && fields[1] == self;
  }
  return defunct;
}

}  // namespace crio::metrics
