#include "config/storage_conf.h"

#include <cstdlib>
#include <optional>

#include "common/status_macros.h"
#include "config/toml_text.h"
#include "fmt/format.h"

namespace crio::config {
namespace {

// The overlay driver's keys storage.conf may set, in [storage.options.overlay] or (the older
// place) [storage.options] itself.
constexpr const char* kOverlayKeys[] = {"mountopt",   "ignore_chown_errors", "skip_mount_home",
                                        "mount_program", "size", "inodes", "force_mask"};

bool IsOverlayKey(const std::string& key) {
  for (const char* known : kOverlayKeys) {
    if (key == known) return true;
  }
  return false;
}

// A scalar as the text containers/storage would pass on ("true", "nodev", "10G").
std::optional<std::string> ScalarText(const toml::node& value) {
  if (const auto* text = value.as_string()) return text->get();
  if (const auto* flag = value.as_boolean()) return flag->get() ? "true" : "false";
  if (const auto* number = value.as_integer()) return std::to_string(number->get());
  return std::nullopt;
}

// [storage.options] as the library turns it into driver options: "overlay.KEY=VALUE", and
// "overlay.imagestore=PATH" for each additional image store.
void ApplyStorageOptions(const toml::table& options, const std::string& origin, Config& config,
                         std::vector<std::string>& warnings) {
  std::vector<std::string> driver_options;
  auto add = [&](const std::string& key, const toml::node& value) {
    if (auto text = ScalarText(value)) {
      driver_options.push_back("overlay." + key + "=" + *text);
    } else {
      warnings.push_back(
          fmt::format("{}: [storage.options] {} is not a scalar; ignored", origin, key));
    }
  };
  for (const auto& [key, value] : options) {
    const std::string name(key.str());
    if (name == "additionalimagestores") {
      if (const auto* stores = value.as_array()) {
        for (const toml::node& store : *stores) {
          if (const auto* path = store.as_string()) {
            driver_options.push_back("overlay.imagestore=" + path->get());
          }
        }
      }
    } else if (name == "overlay" && value.is_table()) {
      for (const auto& [overlay_key, overlay_value] : *value.as_table()) {
        add(std::string(overlay_key.str()), overlay_value);
      }
    } else if (IsOverlayKey(name)) {
      add(name, value);
    } else if (!value.is_table()) {  // tables are other drivers' options
      warnings.push_back(fmt::format("{}: [storage.options] {} is not used by crio", origin, name));
    }
  }
  config.root.storage_option = std::move(driver_options);
}

}  // namespace

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
    if (name == "options") {
      if (const toml::table* options = value.as_table()) {
        ApplyStorageOptions(*options, origin, config, warnings);
      }
      continue;
    }
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
    } else if (name == "imagestore") {
      if (!text_value.empty()) config.root.imagestore = text_value;
    } else {
      warnings.push_back(fmt::format("{}: [storage] {} is not used by crio", origin, name));
    }
  }
  return absl::OkStatus();
}

}  // namespace crio::config
