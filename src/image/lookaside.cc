#include "image/lookaside.h"

#include <filesystem>

#include "common/read_file.h"
#include "fmt/format.h"
#include "yaml-cpp/yaml.h"

namespace crio::image {
namespace {

// The URL a section sets: `lookaside`, else the older `sigstore`.
std::optional<std::string> SectionUrl(const YAML::Node& section) {
  for (const char* key : {"lookaside", "sigstore"}) {
    if (section[key] && section[key].IsScalar()) return section[key].as<std::string>();
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Lookaside> Lookaside::Load(const std::string& dir) {
  std::map<std::string, std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() != ".yaml") continue;
    auto text = ReadFileToString(entry.path(), 1 << 20);
    if (!text.ok()) return text.status();
    files[entry.path().string()] = *text;
  }
  return Parse(files);
}

absl::StatusOr<Lookaside> Lookaside::Parse(const std::map<std::string, std::string>& files) {
  Lookaside lookaside;
  for (const auto& [name, text] : files) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(fmt::format("{}: {}", name, e.what()));
    }
    if (!root || root.IsNull()) continue;
    if (!root.IsMap()) return absl::InvalidArgumentError(name + ": expected a mapping");
    if (const YAML::Node section = root["default-docker"]; section && section.IsMap()) {
      if (lookaside.default_) {
        return absl::InvalidArgumentError(name + ": default-docker is set in another file too");
      }
      lookaside.default_ = SectionUrl(section);
    }
    const YAML::Node docker = root["docker"];
    if (!docker || !docker.IsMap()) continue;
    for (const auto& scope : docker) {
      const std::string key = scope.first.as<std::string>();
      const std::optional<std::string> url = SectionUrl(scope.second);
      if (!url) continue;
      if (!lookaside.scopes_.emplace(key, *url).second) {
        return absl::InvalidArgumentError(
            fmt::format("{}: docker scope {} is set in another file too", name, key));
      }
    }
  }
  return lookaside;
}

std::optional<std::string> Lookaside::BaseFor(const Reference& reference) const {
  // The repository, then each enclosing namespace, then the registry.
  std::string scope = reference.Name();
  while (true) {
    if (const auto found = scopes_.find(scope); found != scopes_.end()) return found->second;
    const size_t slash = scope.rfind('/');
    if (slash == std::string::npos) break;
    scope.resize(slash);
  }
  return default_;
}

std::string Lookaside::SignatureUrl(const std::string& base, const Reference& reference,
                                    const std::string& digest, int index) {
  std::string root = base;
  while (root.ends_with('/')) root.pop_back();
  std::string at = digest;
  if (const size_t colon = at.find(':'); colon != std::string::npos) at[colon] = '=';
  return fmt::format("{}/{}@{}/signature-{}", root, reference.path, at, index);
}

}  // namespace crio::image
