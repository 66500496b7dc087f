#include "config/storage_conf.h"

#include <cstdlib>

#include "common/status_macros.h"
#include "config/toml_text.h"
#include "fmt/format.h"

namespace crio::config {

std::string StorageConfPath() {
  const char* path = std::getenv("CONTAINERS_STORAGE_CONF");
  return path != nullptr && *path != '\0' ? path : "/etc/containers/storage.conf";
}

absl::Status ApplyStorageConf(const std::string& text, const std::string& origin,
                              Config& config, std::vector<std::string>& warnings) {
  ASSIGN_OR_RETURN(const toml::table parsed, ParseToml(text, origin));
  const toml::table* storage = parsed["storage"].as_table();
  if (storage == nullptr) return absl::OkStatus();
  for (const auto& [key, value] : *storage) {
    const std::string name(key.str());
    if (name == "options") continue;  // driver options: crio.conf's storage_option
    const auto* string = value.as_string();
    if (string == nullptr) {
      warnings.push_back(fmt::format("{}: [storage] {} is not a string; ignored", origin, name));
      continue;
    }
    const std::string& text_value = string->get();
    if (name == "driver") {
      if (!text_value.empty() && text_value != "overlay") {
        return absl::InvalidArgumentError(fmt::format(
            "{}: [storage] driver = \"{}\": crio supports the overlay driver only", origin,
            text_value));
      }
    } else if (name == "graphroot") {
      if (!text_value.empty()) config.root.root = text_value;
    } else if (name == "runroot") {
      if (!text_value.empty()) config.root.runroot = text_value;
    } else {
      warnings.push_back(fmt::format("{}: [storage] {} is not used by crio", origin, name));
    }
  }
  return absl::OkStatus();
}

}  // namespace crio::config
