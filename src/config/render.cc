#include "config/render.h"

#include "config/option.h"
#include "fmt/format.h"

namespace crio::config {
namespace {

constexpr size_t kCommentWidth = 88;

constexpr std::string_view kHeader =
    "# crio configuration (crio.conf(5)).\n"
    "#\n"
    "# crio reads /etc/crio/crio.conf, then every /etc/crio/crio.conf.d/*.conf in lexical\n"
    "# order, then its command-line flags; later sources override single keys. A key left\n"
    "# at its default is shown commented out. Keys marked \"reloadable\" take effect on\n"
    "# SIGHUP.\n";

// Wraps `text` into "# " comment lines.
std::string Comment(std::string_view text, bool reloadable) {
  std::string out;
  std::string line = "#";
  auto flush = [&] {
    out += line + "\n";
    line = "#";
  };
  std::string words(text);
  if (reloadable) words += " (reloadable)";
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find(' ', start);
    if (end == std::string::npos) end = words.size();
    const std::string_view word(words.data() + start, end - start);
    if (line.size() + 1 + word.size() > kCommentWidth && line != "#") flush();
    line += " ";
    line += word;
    start = end + 1;
  }
  flush();
  return out;
}

// What starts a line that is shown but not set.
constexpr std::string_view kCommentedOut = "# ";

// `key = value`, each line starting with `prefix`. A list of strings takes one line per
// item, tab-indented, as CRI-O's template prints it.
std::string Assignment(std::string_view key, const Value& value, std::string_view prefix) {
  const auto* list = std::get_if<StringList>(&value);
  if (list == nullptr) return fmt::format("{}{} = {}\n", prefix, key, ToTomlText(value));
  std::string out = fmt::format("{}{} = [\n", prefix, key);
  for (const std::string& item : *list) {
    out += fmt::format("{}\t{},\n", prefix, ToTomlText(Value(item)));
  }
  return out + fmt::format("{}]\n", prefix);
}

// The option's documentation, then `key = value`, commented out when `commented`.
template <typename Target>
std::string Key(const BasicOption<Target>& option, const Target& target, bool commented) {
  return Comment(option.doc, option.reloadable) +
         Assignment(option.key, Get(option, target), commented ? kCommentedOut : "") + "\n";
}

// CRI-O weighs the handlers as one value: all are set, or all are commented out.
std::string Handlers(const Config& config, bool commented) {
  std::string out =
      "# Runtime handlers: one [crio.runtime.runtimes.NAME] table each. A pod picks one by\n"
      "# its runtime_handler; default_runtime names the one used otherwise.\n\n";
  for (const auto& [name, handler] : config.runtime.runtimes) {
    out += fmt::format("{}[crio.runtime.runtimes.{}]\n\n", commented ? kCommentedOut : "", name);
    for (const HandlerOption& option : HandlerOptions()) out += Key(option, handler, commented);
  }
  return out;
}

std::string Workloads(const Config& config, bool commented) {
  std::string out =
      "# Workloads: one [crio.runtime.workloads.NAME] table each, with its resources in\n"
      "# [crio.runtime.workloads.NAME.resources].\n\n";
  const std::string_view prefix = commented ? kCommentedOut : "";
  for (const auto& [name, workload] : config.runtime.workloads) {
    out += fmt::format("{}[crio.runtime.workloads.{}]\n\n", prefix, name);
    for (const WorkloadOption& option : WorkloadOptions()) {
      if (option.table == "crio.runtime.workloads") out += Key(option, workload, commented);
    }
    out += fmt::format("{}[crio.runtime.workloads.{}.resources]\n\n", prefix, name);
    for (const WorkloadOption& option : WorkloadOptions()) {
      if (option.table != "crio.runtime.workloads") out += Key(option, workload, commented);
    }
  }
  return out;
}

nlohmann::json ToJsonValue(const Value& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

// The JSON object at a dotted TOML table path, created as needed.
nlohmann::json& At(nlohmann::json& root, std::string_view table) {
  nlohmann::json* node = &root;
  size_t start = 0;
  while (start <= table.size()) {
    size_t dot = table.find('.', start);
    if (dot == std::string_view::npos) dot = table.size();
    node = &(*node)[std::string(table.substr(start, dot - start))];
    start = dot + 1;
  }
  return *node;
}

}  // namespace

std::string Render(const Config& config, const Config* defaults) {
  std::string out(kHeader);
  for (const std::string_view table : Tables()) {
    out += fmt::format("\n[{}]\n\n", table);
    for (const Option& option : Options()) {
      if (option.table != table) continue;
      const bool unchanged = defaults != nullptr && Get(option, config) == Get(option, *defaults);
      out += Key(option, config, unchanged);
    }
    if (table == "crio.runtime") {
      out += Handlers(config, defaults != nullptr &&
                                  config.runtime.runtimes == defaults->runtime.runtimes);
      out += Workloads(config, defaults != nullptr &&
                                   config.runtime.workloads == defaults->runtime.workloads);
    }
  }
  return out;
}

nlohmann::json ToJson(const Config& config) {
  nlohmann::json root = nlohmann::json::object();
  for (const Option& option : Options()) {
    At(root, option.table)[std::string(option.key)] = ToJsonValue(Get(option, config));
  }
  nlohmann::json& runtimes = At(root, "crio.runtime.runtimes");
  runtimes = nlohmann::json::object();
  for (const auto& [name, handler] : config.runtime.runtimes) {
    for (const HandlerOption& option : HandlerOptions()) {
      runtimes[name][std::string(option.key)] = ToJsonValue(Get(option, handler));
    }
  }
  nlohmann::json& workloads = At(root, "crio.runtime.workloads");
  workloads = nlohmann::json::object();
  for (const auto& [name, workload] : config.runtime.workloads) {
    for (const WorkloadOption& option : WorkloadOptions()) {
      nlohmann::json& table =
          option.table == "crio.runtime.workloads" ? workloads[name] : workloads[name]["resources"];
      table[std::string(option.key)] = ToJsonValue(Get(option, workload));
    }
  }
  return root;
}

}  // namespace crio::config
