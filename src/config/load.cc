#include "config/load.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <ranges>
#include <sstream>

#include "absl/strings/cord.h"
#include "common/device_spec.h"
#include "common/log.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "config/flags.h"
#include "config/option.h"
#include "config/toml_text.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace crio::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHandlersTable = "crio.runtime.runtimes";

// One TOML document being applied: where it came from and where its warnings go.
struct Document {
  const std::string& origin;
  Config& config;
  std::vector<std::string>& warnings;
};

bool IsTable(std::string_view path) {
  const auto tables = Tables();
  return std::find(tables.begin(), tables.end(), path) != tables.end();
}

template <typename Target>
absl::Status ApplyValue(const BasicOption<Target>& option, const toml::node& node,
                        const std::string& where, Target& target) {
  auto value = FromToml(option.kind, node);
  absl::Status status = value.ok() ? Check(option, *value) : value.status();
  if (!status.ok()) {
    const std::string shown = value.ok() ? " = " + ToTomlText(*value) : "";
    absl::Status invalid = absl::InvalidArgumentError(
        fmt::format("{} {}{}: {}", where, option.key, shown, std::string(status.message())));
    invalid.SetPayload(kProblemPayload, absl::Cord(status.message()));
    return invalid;
  }
  Set(option, *value, target);
  return absl::OkStatus();
}

template <typename Target>
const BasicOption<Target>* Find(std::span<const BasicOption<Target>> options,
                                std::string_view table, std::string_view key) {
  for (const auto& option : options) {
    if (option.table == table && option.key == key) return &option;
  }
  return nullptr;
}

absl::Status ApplyHandler(const std::string& name, const toml::table& table, Document& doc) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: runtime handler with an empty name", doc.origin));
  }
  RuntimeHandler& handler = doc.config.runtime.runtimes[name];
  const std::string where = fmt::format("{}: [{}.{}]", doc.origin, kHandlersTable, name);
  for (const auto& [key, node] : table) {
    const HandlerOption* option = Find(HandlerOptions(), kHandlersTable, key.str());
    if (option == nullptr) {
      doc.warnings.push_back(fmt::format("{}: unknown key \"{}\" in table [{}.{}], ignored",
                                         doc.origin, key.str(), kHandlersTable, name));
      continue;
    }
    if (auto applied = ApplyValue(*option, node, where, handler); !applied.ok()) return applied;
  }
  return absl::OkStatus();
}

absl::Status ApplyHandlers(const toml::table& runtimes, Document& doc) {
  for (const auto& [name, node] : runtimes) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("{}: [{}] {}: expected a table", doc.origin, kHandlersTable, name.str()));
    }
    if (auto applied = ApplyHandler(std::string(name.str()), *table, doc); !applied.ok()) {
      return applied;
    }
  }
  return absl::OkStatus();
}

constexpr std::string_view kWorkloadsTable = "crio.runtime.workloads";
constexpr std::string_view kWorkloadResourcesTable = "crio.runtime.workloads.resources";

// One workload's keys from `table` ("resources" holds the resource keys).
absl::Status ApplyWorkloadKeys(const toml::table& table, std::string_view options_table,
                               const std::string& where, Workload& workload, Document& doc) {
  for (const auto& [key, node] : table) {
    if (options_table == kWorkloadsTable && key.str() == "resources" && node.is_table()) {
      RETURN_IF_ERROR(ApplyWorkloadKeys(*node.as_table(), kWorkloadResourcesTable,
                                        where.substr(0, where.size() - 1) + ".resources]",
                                        workload, doc));
      continue;
    }
    const WorkloadOption* option = Find(WorkloadOptions(), options_table, key.str());
    if (option == nullptr) {
      doc.warnings.push_back(
          fmt::format("{}: unknown key \"{}\" in {}, ignored", doc.origin, key.str(), where));
      continue;
    }
    RETURN_IF_ERROR(ApplyValue(*option, node, fmt::format("{}: {}", doc.origin, where), workload));
  }
  return absl::OkStatus();
}

absl::Status ApplyWorkloads(const toml::table& workloads, Document& doc) {
  for (const auto& [name, node] : workloads) {
    const toml::table* table = node.as_table();
    if (table == nullptr || name.str().empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: [{}] \"{}\": expected a named table", doc.origin, kWorkloadsTable, name.str()));
    }
    RETURN_IF_ERROR(ApplyWorkloadKeys(*table, kWorkloadsTable,
                                      fmt::format("[{}.{}]", kWorkloadsTable, name.str()),
                                      doc.config.runtime.workloads[std::string(name.str())],
                                      doc));
  }
  return absl::OkStatus();
}

// Keys CRI-O deprecated in favour of another key of the same table: still applied, with a
// warning.
struct RenamedKey {
  std::string_view table, old_key, new_key;
};
constexpr RenamedKey kRenamedKeys[] = {
    {"crio.stats", "stats_collection_period", "collection_period"}};

const Option* FindRenamed(const std::string& path, std::string_view key, Document& doc) {
  for (const RenamedKey& renamed : kRenamedKeys) {
    if (renamed.table != path || renamed.old_key != key) continue;
    doc.warnings.push_back(fmt::format("{}: [{}] {} is deprecated; use {}", doc.origin, path,
                                       renamed.old_key, renamed.new_key));
    return Find(Options(), path, renamed.new_key);
  }
  return nullptr;
}

absl::Status ApplyTable(const toml::table& table, const std::string& path, Document& doc) {
  for (const auto& [key, node] : table) {
    const std::string child = path + "." + std::string(key.str());
    if (IsTable(child) && node.is_table()) {
      if (auto applied = ApplyTable(*node.as_table(), child, doc); !applied.ok()) return applied;
    } else if (child == kHandlersTable && node.is_table()) {
      if (auto applied = ApplyHandlers(*node.as_table(), doc); !applied.ok()) return applied;
    } else if (child == kWorkloadsTable && node.is_table()) {
      RETURN_IF_ERROR(ApplyWorkloads(*node.as_table(), doc));
    } else if (const Option* option = Find(Options(), path, key.str());
               option != nullptr || (option = FindRenamed(path, key.str(), doc))) {
      const std::string where = fmt::format("{}: [{}]", doc.origin, path);
      if (auto applied = ApplyValue(*option, node, where, doc.config); !applied.ok()) {
        return applied;
      }
    } else if (node.is_table()) {
      doc.warnings.push_back(fmt::format("{}: unknown table [{}], ignored", doc.origin, child));
    } else {
      doc.warnings.push_back(fmt::format("{}: unknown key \"{}\" in table [{}], ignored",
                                         doc.origin, key.str(), path));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyFile(const std::string& path, Config& config,
                       std::vector<std::string>& warnings) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return ApplyToml(*text, path, config, warnings);
}

// Every file under `dir` as CRI-O reads its drop-ins (Go's filepath.Walk): whatever the
// name, subdirectories included, names in lexical order within each directory.
void AddDropIns(const std::string& dir, std::vector<std::string>& files) {
  std::vector<fs::directory_entry> entries;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) entries.push_back(entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.path().filename() < b.path().filename();
  });
  for (const fs::directory_entry& entry : entries) {
    if (entry.is_directory(error) && !entry.is_symlink(error)) {
      AddDropIns(entry.path().string(), files);
    } else {
      files.push_back(entry.path().string());
    }
  }
}

std::vector<std::string> DropIns(const std::string& dir) {
  std::vector<std::string> files;
  AddDropIns(dir, files);
  return files;
}

// The problem with one "name=soft:hard" (or "name=limit") ulimit, or empty.
std::string UlimitProblem(const std::string& entry) {
  static constexpr std::string_view kNames[] = {
      "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
      "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};
  const size_t equals = entry.find('=');
  const std::string name = entry.substr(0, equals);
  if (equals == std::string::npos ||
      std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
    return fmt::format(
        "invalid ulimit type: {} (expected \"name=soft:hard\" with a known limit name: core, "
        "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
        "sigpending, stack)",
        name);
  }
  const std::string limits = entry.substr(equals + 1);
  const size_t colon = limits.find(':');
  const std::string soft = limits.substr(0, colon);
  const std::string hard = colon == std::string::npos ? soft : limits.substr(colon + 1);
  long long soft_value = 0, hard_value = 0;
  std::istringstream soft_in(soft), hard_in(hard);
  if (!(soft_in >> soft_value) || !soft_in.eof() || !(hard_in >> hard_value) || !hard_in.eof()) {
    return "limits must be integers";
  }
  if (soft_value > hard_value && hard_value >= 0) {
    return fmt::format("ulimit soft limit must be less than or equal to hard limit: {} > {}",
                       soft_value, hard_value);
  }
  return "";
}

// True for a Linux CPU list: "N" and "N-M" (N <= M) entries, comma-separated.
bool IsCpuList(std::string_view text) {
  if (text.empty()) return false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view entry = text.substr(start, comma - start);
    start = comma + 1;
    const size_t dash = entry.find('-');
    const std::string_view first = entry.substr(0, dash);
    const std::string_view last = dash == std::string_view::npos ? first : entry.substr(dash + 1);
    unsigned low = 0, high = 0;
    if (std::from_chars(first.data(), first.data() + first.size(), low).ptr !=
            first.data() + first.size() ||
        first.empty() ||
        std::from_chars(last.data(), last.data() + last.size(), high).ptr !=
            last.data() + last.size() ||
        last.empty() || low > high) {
      return false;
    }
  }
  return true;
}

// CRI-O's "workloads validation".
absl::Status ValidateWorkloads(const RuntimeConfig& runtime) {
  for (const auto& [name, workload] : runtime.workloads) {
    if (workload.activation_annotation.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "workloads validation: annotation shouldn't be empty for workload \"{}\"", name));
    }
    if (!workload.cpuset.empty() && !IsCpuList(workload.cpuset)) {
      return absl::InvalidArgumentError(
          fmt::format("workloads validation: workload \"{}\": cpuset \"{}\" is not a CPU list",
                      name, workload.cpuset));
    }
  }
  if (!runtime.infra_ctr_cpuset.empty() && !IsCpuList(runtime.infra_ctr_cpuset)) {
    return absl::InvalidArgumentError(fmt::format(
        "[crio.runtime] infra_ctr_cpuset = \"{}\": not a CPU list", runtime.infra_ctr_cpuset));
  }
  return absl::OkStatus();
}

// Strips the prefixes a metrics collector key may carry, then checks the keys and groups.
absl::Status ValidateMetrics(Config& config) {
  for (std::string& collector : config.metrics.metrics_collectors) {
    for (std::string_view prefix : {"container_runtime_", "crio_"}) {
      if (collector.starts_with(prefix)) collector.erase(0, prefix.size());
    }
    if (std::ranges::find(kMetricsCollectors, collector) == kMetricsCollectors.end()) {
      return absl::InvalidArgumentError(
          fmt::format("[crio.metrics] metrics_collectors: unknown collector \"{}\" (known: {})",
                      collector, fmt::join(kMetricsCollectors, ", ")));
    }
  }
  for (const std::string& group : config.stats.included_pod_metrics) {
    if (group != "all" && std::ranges::find(kPodMetricGroups, group) == kPodMetricGroups.end()) {
      return absl::InvalidArgumentError(
          fmt::format("[crio.stats] included_pod_metrics: unknown group \"{}\" (known: all, {})",
                      group, fmt::join(kPodMetricGroups, ", ")));
    }
  }
  if (config.metrics.metrics_cert.empty() != config.metrics.metrics_key.empty()) {
    return absl::InvalidArgumentError(
        "[crio.metrics] metrics_cert and metrics_key must be set together");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyToml(const std::string& text, const std::string& origin, Config& config,
                       std::vector<std::string>& warnings) {
  ASSIGN_OR_RETURN(const toml::table root, ParseToml(text, origin));
  Document doc{origin, config, warnings};
  for (const auto& [key, node] : root) {
    if (key.str() == "crio" && node.is_table()) {
      if (auto applied = ApplyTable(*node.as_table(), "crio", doc); !applied.ok()) return applied;
    } else {
      warnings.push_back(fmt::format("{}: unknown {} \"{}\" outside [crio], ignored", origin,
                                     node.is_table() ? "table" : "key", key.str()));
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(Config& config, std::vector<std::string>& warnings) {
  RuntimeConfig& runtime = config.runtime;
  auto invalid = [](std::string message) { return absl::InvalidArgumentError(std::move(message)); };
  if (!runtime.runtimes.contains(runtime.default_runtime)) {
    return invalid(fmt::format(
        "[crio.runtime] default_runtime = \"{}\": no [crio.runtime.runtimes.{}] table is "
        "configured (configured: {})",
        runtime.default_runtime, runtime.default_runtime,
        fmt::join(std::views::keys(runtime.runtimes), ", ")));
  }
  if (const std::string& type = runtime.runtimes.at(runtime.default_runtime).runtime_type;
      type != "oci") {
    return invalid(fmt::format(
        "[crio.runtime] default_runtime = \"{}\": its runtime_type \"{}\" is not supported by "
        "crio (only \"oci\")",
        runtime.default_runtime, type));
  }
  if (runtime.log_size_max >= 0 && runtime.log_size_max < 8192) {
    return invalid(fmt::format(
        "[crio.runtime] log_size_max = {}: log size max should be negative or >= 8192",
        runtime.log_size_max));
  }
  if (runtime.ctr_stop_timeout < 30) {
    warnings.push_back(
        fmt::format("[crio.runtime] ctr_stop_timeout = {} is below the minimum of 30; using 30",
                    runtime.ctr_stop_timeout));
    runtime.ctr_stop_timeout = 30;
  }
  // As CRI-O: empty entries are skipped, spaces inside a value are fine ("0 2147483647"),
  // spaces around the key or the value are not; CRI-O's words.
  for (const std::string& sysctl : runtime.default_sysctls) {
    if (sysctl.empty()) continue;
    const size_t equals = sysctl.find('=');
    if (equals == std::string::npos) {
      return invalid(fmt::format(
          "[crio.runtime] default_sysctls: \"{}\" is not in key=value format", sysctl));
    }
    const std::string key = sysctl.substr(0, equals);
    const std::string value = sysctl.substr(equals + 1);
    const auto padded = [](const std::string& text) {
      return !text.empty() && (std::isspace(static_cast<unsigned char>(text.front())) ||
                               std::isspace(static_cast<unsigned char>(text.back())));
    };
    if (key.empty() || padded(key) || padded(value)) {
      return invalid(fmt::format("[crio.runtime] default_sysctls: '{}' is invalid, extra spaces "
                                 "found: format should be key=value",
                                 sysctl));
    }
  }
  for (const std::string& ulimit : runtime.default_ulimits) {
    if (const std::string problem = UlimitProblem(ulimit); !problem.empty()) {
      return invalid(fmt::format("[crio.runtime] default_ulimits: \"{}\": {}", ulimit, problem));
    }
  }
  RETURN_IF_ERROR(ValidateMetrics(config));
  RETURN_IF_ERROR(ValidateWorkloads(runtime));
  // As CRI-O translates its older [crio.runtime] conmon, conmon_cgroup and conmon_env: each
  // one that is set becomes every oci handler's monitor_path, monitor_cgroup, monitor_env.
  for (auto& [name, handler] : runtime.runtimes) {
    if (handler.runtime_type != "oci") continue;
    if (!runtime.conmon.empty()) handler.monitor_path = runtime.conmon;
    if (!runtime.conmon_cgroup.empty()) handler.monitor_cgroup = runtime.conmon_cgroup;
    if (!runtime.conmon_env.empty()) handler.monitor_env = runtime.conmon_env;
    if (handler.monitor_cgroup.empty()) handler.monitor_cgroup = "system.slice";  // CRI-O's
  }
  if (absl::Status filter = log::CheckFilter(runtime.log_filter); !filter.ok()) {
    absl::Status located = invalid(fmt::format("[crio.runtime] log_filter = \"{}\": {}",
                                               runtime.log_filter, std::string(filter.message())));
    located.SetPayload(kProblemPayload, absl::Cord(filter.message()));
    return located;
  }
  for (const std::string& variable : runtime.default_env) {
    if (variable.empty() || variable.front() == '=' || variable.find('=') == std::string::npos) {
      return invalid(fmt::format(
          "[crio.runtime] default_env: \"{}\" must be \"NAME=value\"", variable));
    }
  }
  if (runtime.enable_criu_support) {
    warnings.push_back(
        "[crio.runtime] enable_criu_support = true: crio has no checkpoint/restore; "
        "CheckpointContainer answers UNIMPLEMENTED");
  }
  if (!config.image.registries.empty()) {
    // CRI-O's words.
    warnings.push_back(
        "Support for the 'registries' option has been dropped but it is referenced; please use "
        "containers-registries.conf(5) for configuring unqualified-search registries instead");
  }
  if (!config.root.imagestore.empty() &&
      (fs::path(config.root.imagestore) / "").lexically_normal() ==
          (fs::path(config.root.root) / "").lexically_normal()) {
    return invalid(fmt::format("[crio] imagestore = \"{}\": must be unset or differ from root",
                               config.root.imagestore));
  }
  for (const std::string& device : runtime.additional_devices) {
    if (device.empty()) continue;  // as CRI-O
    auto spec = ParseDeviceSpec(device);
    const absl::Status checked = spec.ok() ? CheckHostDevice(*spec) : spec.status();
    if (!checked.ok()) {
      return invalid(fmt::format("[crio.runtime] additional_devices: \"{}\": {}", device,
                                 std::string(checked.message())));
    }
  }

  return absl::OkStatus();
}

namespace {

// Built-in values, then containers/storage's storage keys.
absl::Status ApplyDefaults(const Sources& sources, Config& config,
                           std::vector<std::string>& warnings) {
  std::error_code error;
  if (sources.storage_conf.empty() || !fs::exists(sources.storage_conf, error)) {
    return absl::OkStatus();
  }
  auto text = ReadFileToString(sources.storage_conf);
  if (!text.ok()) return text.status();
  return ApplyStorageConf(*text, sources.storage_conf, config, warnings);
}

}  // namespace

std::string Problem(const absl::Status& status) {
  if (const auto problem = status.GetPayload(kProblemPayload)) {
    return std::string(*problem);
  }
  return std::string(status.message());
}

absl::StatusOr<Config> Defaults(const Sources& sources) {
  Config config;
  std::vector<std::string> warnings;  // Load reports them
  RETURN_IF_ERROR(ApplyDefaults(sources, config, warnings));
  return config;
}

absl::StatusOr<Loaded> Load(const Sources& sources, const FlagSet* flags) {
  Loaded loaded;
  RETURN_IF_ERROR(ApplyDefaults(sources, loaded.config, loaded.warnings));
  std::error_code error;
  if (sources.config_file.empty()) {
    // `--config ""`, as CRI-O takes it: no configuration file.
  } else if (fs::exists(sources.config_file, error)) {
    if (auto applied = ApplyFile(sources.config_file, loaded.config, loaded.warnings);
        !applied.ok()) {
      return applied;
    }
  } else if (sources.config_file_required) {
    return absl::NotFoundError(
        fmt::format("config file {} (from --config) does not exist", sources.config_file));
  }
  for (const std::string& file : DropIns(sources.config_dir)) {
    if (auto applied = ApplyFile(file, loaded.config, loaded.warnings); !applied.ok()) {
      return applied;
    }
  }
  if (flags != nullptr) {
    if (auto applied = flags->ApplyTo(loaded.config); !applied.ok()) return applied;
  }
  if (auto valid = Validate(loaded.config, loaded.warnings); !valid.ok()) return valid;
  return loaded;
}

}  // namespace crio::config
