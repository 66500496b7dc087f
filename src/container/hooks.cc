#include "container/hooks.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kMaxHookFileBytes = 1 << 20;
const char* const kStages[] = {"prestart",       "createRuntime", "createContainer",
                               "startContainer", "poststart",     "poststop"};

// The value of `key` or of its other spelling `alias`; both set is an error.
absl::StatusOr<json> EitherKey(const json& legacy, const char* key, const char* alias) {
  if (legacy.contains(key) && legacy.contains(alias)) {
    return absl::InvalidArgumentError(fmt::format("cannot set both '{}' and '{}'", alias, key));
  }
  return legacy.contains(key) ? legacy[key] : legacy.value(alias, json());
}

// A hook in the format before versions (containers/common's "0.1.0": hook, arguments,
// stage(s), cmd(s), annotation(s), hasbindmounts), as the 1.0.0 hook it stands for: any one
// of its conditions is enough.
absl::StatusOr<json> FromLegacy(const json& legacy) {
  if (!legacy.contains("hook") || !legacy["hook"].is_string()) {
    return absl::InvalidArgumentError("missing required property: hook");
  }
  const std::string path = legacy["hook"];
  ASSIGN_OR_RETURN(const json stages, EitherKey(legacy, "stages", "stage"));
  if (stages.is_null()) return absl::InvalidArgumentError("missing required property: stages");
  ASSIGN_OR_RETURN(const json commands, EitherKey(legacy, "cmds", "cmd"));
  ASSIGN_OR_RETURN(const json annotations, EitherKey(legacy, "annotations", "annotation"));
  json hook = {{"path", path}};
  if (legacy.contains("arguments") && legacy["arguments"].is_array()) {
    hook["args"] = json::array({path});
    for (const json& argument : legacy["arguments"]) hook["args"].push_back(argument);
  }
  json when = {{"or", true}};
  if (commands.is_array()) when["commands"] = commands;
  if (legacy.contains("hasbindmounts")) when["hasBindMounts"] = legacy["hasbindmounts"];
  if (annotations.is_array()) {
    std::string any;
    for (const json& pattern : annotations) {
      if (!pattern.is_string()) return absl::InvalidArgumentError("annotations: not strings");
      any += (any.empty() ? "" : "|") + pattern.get<std::string>();
    }
    when["annotations"] = {{".*", any}};
  }
  return json{{"version", "1.0.0"}, {"hook", hook}, {"when", when}, {"stages", stages}};
}

absl::StatusOr<Hook> ParseHook(const std::string& file, const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return absl::InvalidArgumentError("not a JSON object");
  if (!parsed.contains("version")) {
    ASSIGN_OR_RETURN(parsed, FromLegacy(parsed));
  }
  if (parsed.value("version", "") != "1.0.0") {
    return absl::InvalidArgumentError("version must be \"1.0.0\" (or absent: the 0.1.0 format)");
  }
  const json hook = parsed.value("hook", json());
  if (!hook.is_object() || !hook.contains("path") || !hook["path"].is_string() ||
      !hook["path"].get<std::string>().starts_with("/")) {
    return absl::InvalidArgumentError("hook.path must be an absolute path");
  }
  Hook result{.file = file, .hook = hook, .stages = {}, .when = parsed.value("when", json())};
  for (const json& stage : parsed.value("stages", json::array())) {
    if (!stage.is_string() || std::find(std::begin(kStages), std::end(kStages),
                                        stage.get<std::string>()) == std::end(kStages)) {
      return absl::InvalidArgumentError(fmt::format("unknown stage {}", stage.dump()));
    }
    result.stages.push_back(stage.get<std::string>());
  }
  if (result.stages.empty()) return absl::InvalidArgumentError("no stages");
  if (!result.when.is_object() || result.when.empty()) {
    return absl::InvalidArgumentError("\"when\" needs at least one condition");
  }
  return result;
}

bool Search(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern));
  } catch (const std::regex_error&) {
    return false;  // a bad pattern matches nothing
  }
}

// Every condition given must hold; with "or", any one is enough.
bool Matches(const json& when, const json& spec) {
  if (when.value("always", false)) return true;
  if (when.value("or", false)) {
    for (const char* condition : {"annotations", "commands", "hasBindMounts"}) {
      if (when.contains(condition) && Matches({{condition, when[condition]}}, spec)) return true;
    }
    return false;
  }
  bool matched_any = false;
  if (when.contains("annotations") && when["annotations"].is_object()) {
    const json annotations = spec.value("annotations", json::object());
    bool found = false;
    for (const auto& [key_pattern, value_pattern] : when["annotations"].items()) {
      for (const auto& [key, value] : annotations.items()) {
        if (value_pattern.is_string() && value.is_string() && Search(key_pattern, key) &&
            Search(value_pattern.get<std::string>(), value.get<std::string>())) {
          found = true;
        }
      }
    }
    if (!found) return false;
    matched_any = true;
  }
  if (when.contains("commands") && when["commands"].is_array()) {
    const json args = spec["process"].value("args", json::array());
    const std::string command = args.empty() ? "" : args[0].get<std::string>();
    if (std::none_of(when["commands"].begin(), when["commands"].end(), [&](const json& pattern) {
          return pattern.is_string() && Search(pattern.get<std::string>(), command);
        })) {
      return false;
    }
    matched_any = true;
  }
  if (when.contains("hasBindMounts")) {
    const bool has = std::any_of(spec["mounts"].begin(), spec["mounts"].end(),
                                 [](const json& m) { return m.value("type", "") == "bind"; });
    if (when.value("hasBindMounts", false) != has) return false;
    matched_any = true;
  }
  return matched_any;
}

}  // namespace

std::vector<Hook> LoadHooks(const std::vector<std::string>& dirs,
                            std::vector<std::string>* skipped) {
  std::map<std::string, Hook> by_name;  // later dirs mask earlier ones
  for (const std::string& dir : dirs) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(dir, ignored)) {
      if (entry.path().extension() != ".json") continue;
      const std::string file = entry.path().string();
      auto text = ReadFileToString(file, kMaxHookFileBytes);
      auto hook = text.ok() ? ParseHook(file, *text) : absl::StatusOr<Hook>(text.status());
      if (!hook.ok()) {
        if (skipped != nullptr) {
          skipped->push_back(fmt::format("{}: {}", file, std::string(hook.status().message())));
        }
        continue;
      }
      by_name.insert_or_assign(entry.path().filename().string(), std::move(*hook));
    }
  }
  std::vector<Hook> hooks;
  for (auto& [name, hook] : by_name) hooks.push_back(std::move(hook));
  return hooks;
}

void InjectHooks(const std::vector<Hook>& hooks, json& spec) {
  for (const Hook& hook : hooks) {
    if (!Matches(hook.when, spec)) continue;
    for (const std::string& stage : hook.stages) spec["hooks"][stage].push_back(hook.hook);
  }
}

}  // namespace crio::container
