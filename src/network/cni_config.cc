#include "network/cni_config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include "common/read_file.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::network {

using crio::AsStd;
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// CNI config files are small; anything larger is not one.
constexpr std::uintmax_t kMaxConfigBytes = 1 << 20;

std::vector<fs::path> CandidateFiles(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string ext = entry.path().extension().string();
    if ((ext == ".conf" || ext == ".conflist" || ext == ".json") && entry.is_regular_file(error)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool PluginInstalled(const std::string& type, const std::vector<std::string>& plugin_dirs) {
  if (type.empty() || type.find('/') != std::string::npos) return false;
  return std::any_of(plugin_dirs.begin(), plugin_dirs.end(), [&](const std::string& dir) {
    return ::access((fs::path(dir) / type).c_str(), X_OK) == 0;
  });
}

absl::StatusOr<json> ParseObject(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  return parsed;
}

absl::StatusOr<CniNetwork> ParseNetwork(const fs::path& file,
                                        const std::vector<std::string>& plugin_dirs) {
  auto text = ReadFileToString(file.string(), kMaxConfigBytes);
  if (!text.ok()) return absl::InvalidArgumentError("unreadable or larger than 1 MiB");
  auto parsed = ParseObject(*text);
  if (!parsed.ok()) return parsed.status();
  const json& conf = *parsed;
  CniNetwork network{
      .name = conf.value("name", ""), .file = file.string(), .plugins = {}, .text = *text};
  if (network.name.empty()) return absl::InvalidArgumentError("no network name");
  // A .conflist chains "plugins"; a single .conf is itself the one plugin.
  const json single = json::array({conf});
  const json& plugins = conf.contains("plugins") ? conf["plugins"] : single;
  if (!plugins.is_array() || plugins.empty()) return absl::InvalidArgumentError("no plugins");
  for (const json& plugin : plugins) {
    const std::string type = plugin.is_object() ? plugin.value("type", "") : "";
    if (!PluginInstalled(type, plugin_dirs)) {
      return absl::InvalidArgumentError(
          fmt::format("plugin \"{}\" not found in plugin dirs", type));
    }
    network.plugins.push_back(type);
  }
  return network;
}

}  // namespace

absl::StatusOr<CniNetwork> FindNetwork(const std::string& network_dir,
                                       const std::vector<std::string>& plugin_dirs,
                                       const std::string& default_network) {
  std::string skipped;
  for (const fs::path& file : CandidateFiles(network_dir)) {
    auto network = ParseNetwork(file, plugin_dirs);
    if (!network.ok()) {
      skipped += fmt::format("; skipped {}: {}", file.string(), AsStd(network.status().message()));
      continue;
    }
    if (default_network.empty() || network->name == default_network) return network;
    skipped += fmt::format("; skipped {}: network \"{}\" is not cni_default_network \"{}\"",
                           file.string(), network->name, default_network);
  }
  return absl::FailedPreconditionError(
      fmt::format("Network plugin returns error: No CNI configuration file in {}. Has your "
                  "network provider started?{}",
                  network_dir, skipped));
}

}  // namespace crio::network
