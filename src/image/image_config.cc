#include "image/image_config.h"

#include <algorithm>
#include <charconv>

#include "fmt/format.h"
#include "image/reference.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using nlohmann::json;

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("invalid image config: {}", why));
}

std::string Text(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

// A list of strings; null or absent is empty. Anything else is an error.
absl::StatusOr<std::vector<std::string>> Strings(const json& object, const char* key) {
  std::vector<std::string> out;
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return out;
  if (!found->is_array()) return Invalid(fmt::format("{} is not a list", key));
  for (const json& item : *found) {
    if (!item.is_string()) return Invalid(fmt::format("{} holds a non-string", key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The keys of an object such as {"/data": {}}; null or absent is empty.
std::vector<std::string> Keys(const json& object, const char* key) {
  std::vector<std::string> out;
  const auto found = object.find(key);
  if (found == object.end() || !found->is_object()) return out;
  for (const auto& [name, unused] : found->items()) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status ParseRunConfig(const json& run, ImageConfig& config) {
  config.user = Text(run, "User");
  config.working_dir = Text(run, "WorkingDir");
  config.stop_signal = Text(run, "StopSignal");
  for (auto [key, target] :
       {std::pair{"Env", &config.env}, std::pair{"Entrypoint", &config.entrypoint},
        std::pair{"Cmd", &config.cmd}}) {
    auto values = Strings(run, key);
    if (!values.ok()) return values.status();
    *target = std::move(*values);
  }
  if (const auto labels = run.find("Labels"); labels != run.end() && labels->is_object()) {
    for (const auto& [key, value] : labels->items()) {
      if (value.is_string()) config.labels[key] = value.get<std::string>();
    }
  }
  config.volumes = Keys(run, "Volumes");
  config.exposed_ports = Keys(run, "ExposedPorts");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImageConfig> ParseImageConfig(std::string_view body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return Invalid("not a JSON object");
  ImageConfig config;
  config.platform = {Text(parsed, "os"), Text(parsed, "architecture"), Text(parsed, "variant")};
  config.created = Text(parsed, "created");
  if (const auto run = parsed.find("config"); run != parsed.end() && run->is_object()) {
    if (auto applied = ParseRunConfig(*run, config); !applied.ok()) return applied;
  }
  const auto rootfs = parsed.find("rootfs");
  if (rootfs == parsed.end() || !rootfs->is_object() || Text(*rootfs, "type") != "layers") {
    return Invalid("rootfs.type must be \"layers\"");
  }
  auto diff_ids = Strings(*rootfs, "diff_ids");
  if (!diff_ids.ok()) return diff_ids.status();
  for (const std::string& diff_id : *diff_ids) {
    if (auto valid = ValidateDigest(diff_id); !valid.ok()) {
      return Invalid(fmt::format("diff_id: {}", std::string(valid.message())));
    }
  }
  config.diff_ids = std::move(*diff_ids);
  return config;
}

ImageUser ParseImageUser(std::string_view user) {
  const std::string_view name = user.substr(0, user.find(':'));
  int64_t uid = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), uid);
  if (!name.empty() && error == std::errc() && end == name.data() + name.size() && uid >= 0) {
    return {uid, ""};
  }
  return {std::nullopt, std::string(name)};
}

}  // namespace crio::image
