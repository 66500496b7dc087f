#include "metrics/metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

namespace crio::metrics {
namespace {

constexpr std::string_view kPrefix = "container_runtime_";

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {}{} {}\n# TYPE {}{} {}\n", kPrefix, name, help, kPrefix, name, type);
}

// A label value as the exposition format quotes it.
std::string Quote(std::string_view value) {
  std::string quoted;
  for (const char c : value) {
    if (c == '\\' || c == '"') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  return quoted;
}

// Resident set size in bytes from PROC/status (VmRSS), 0 when unreadable.
uint64_t ResidentBytes(const std::string& proc) {
  std::ifstream status(proc + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

uint64_t OpenFds(const std::string& proc) {
  std::error_code ignored;
  uint64_t count = 0;
  for (auto it = std::filesystem::directory_iterator(proc + "/fd", ignored);
       it != std::filesystem::directory_iterator(); it.increment(ignored)) {
    ++count;
  }
  return count;
}

// Children of this process that exited and were not reaped.
uint64_t DefunctChildren(const std::string& proc) {
  std::ifstream stat(proc + "/stat");
  std::string self;
  stat >> self;  // our pid
  uint64_t defunct = 0;
  std::error_code ignored;
  for (auto it = std::filesystem::directory_iterator("/proc", ignored);
       it != std::filesystem::directory_iterator(); it.increment(ignored)) {
    std::ifstream child(it->path() / "stat");
    std::string line;
    if (!std::getline(child, line)) continue;
    const size_t close = line.rfind(')');  // the name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    std::string state, parent;
    fields >> state >> parent;
    defunct += state == "Z" && parent == self;
  }
  return defunct;
}

}  // namespace

void Metrics::CountOperation(std::string_view operation, absl::StatusCode code, double seconds) {
  std::lock_guard lock(mu_);
  auto found = operations_.find(operation);
  if (found == operations_.end())
    found = operations_.emplace(std::string(operation), Operation{}).first;
  found->second.calls += 1;
  found->second.errors += code != absl::StatusCode::kOk;
  found->second.seconds += seconds;
}

void Metrics::CountPull(bool ok, std::string_view error) {
  std::lock_guard lock(mu_);
  if (ok) {
    ++pulls_ok_;
    return;
  }
  auto found = pull_failures_.find(error);
  if (found == pull_failures_.end()) found = pull_failures_.emplace(std::string(error), 0).first;
  ++found->second;
}

std::string Metrics::Render() const {
  std::map<std::string, Operation, std::less<>> operations;
  std::map<std::string, uint64_t, std::less<>> pull_failures;
  uint64_t pulls_ok = 0;
  {
    std::lock_guard lock(mu_);
    operations = operations_;
    pull_failures = pull_failures_;
    pulls_ok = pulls_ok_;
  }
  std::string out;
  Family(out, "crio_operations_total", "counter", "Cumulative number of CRI operations by type.");
  for (const auto& [name, op] : operations) {
    out += fmt::format("{}crio_operations_total{{operation=\"{}\"}} {}\n", kPrefix, Quote(name),
                       op.calls);
  }
  Family(out, "crio_operations_errors_total", "counter",
         "Cumulative number of CRI operations that failed, by type.");
  for (const auto& [name, op] : operations) {
    out += fmt::format("{}crio_operations_errors_total{{operation=\"{}\"}} {}\n", kPrefix,
                       Quote(name), op.errors);
  }
  Family(out, "crio_operations_latency_seconds_total", "summary",
         "Latency of CRI operations, by type.");
  for (const auto& [name, op] : operations) {
    out += fmt::format(
        "{0}crio_operations_latency_seconds_total_sum{{operation=\"{1}\"}} {2}\n"
        "{0}crio_operations_latency_seconds_total_count{{operation=\"{1}\"}} {3}\n",
        kPrefix, Quote(name), op.seconds, op.calls);
  }
  Family(out, "crio_image_pulls_success_total", "counter", "Successful image pulls.");
  out += fmt::format("{}crio_image_pulls_success_total {}\n", kPrefix, pulls_ok);
  Family(out, "crio_image_pulls_failure_total", "counter", "Failed image pulls, by error.");
  for (const auto& [error, count] : pull_failures) {
    out += fmt::format("{}crio_image_pulls_failure_total{{error=\"{}\"}} {}\n", kPrefix,
                       Quote(error), count);
  }
  if (sources_.events_dropped) {
    Family(out, "crio_containers_events_dropped_total", "counter",
           "Container events not delivered because a subscriber's queue was full.");
    out += fmt::format("{}crio_containers_events_dropped_total {}\n", kPrefix,
                       sources_.events_dropped());
  }
  Family(out, "crio_processes_defunct", "gauge", "Exited children of crio not yet reaped.");
  out += fmt::format("{}crio_processes_defunct {}\n", kPrefix, DefunctChildren(sources_.proc_self));
  if (!sources_.default_runtime.empty()) {
    Family(out, "crio_default_runtime", "gauge", "The default runtime handler.");
    out += fmt::format("{}crio_default_runtime{{runtime=\"{}\"}} 1\n", kPrefix,
                       Quote(sources_.default_runtime));
  }
  // The process collector's standard names (no prefix).
  out += fmt::format(
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}\n"
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\nprocess_open_fds {}\n",
      ResidentBytes(sources_.proc_self), OpenFds(sources_.proc_self));
  return out;
}

}  // namespace crio::metrics
