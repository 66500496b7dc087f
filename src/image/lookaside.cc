#include "image/lookaside.h"

#include <filesystem>

#include "common/read_file.h"
#include "common/status_macros.h"
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

std::optional<bool> SectionAttachments(const YAML::Node& section) {
  const YAML::Node value = section["use-sigstore-attachments"];
  if (!value || !value.IsScalar()) return std::nullopt;
  return value.as<bool>();
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
    try {
      RETURN_IF_ERROR(lookaside.Apply(name, YAML::Load(text)));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(fmt::format("{}: {}", name, e.what()));
    }
  }
  return lookaside;
}

absl::Status Lookaside::Apply(const std::string& name, const YAML::Node& root) {
  if (!root || root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) return absl::InvalidArgumentError(name + ": expected a mapping");
  if (const YAML::Node section = root["default-docker"]; section && section.IsMap()) {
    if (default_ || default_attachments_) {
      return absl::InvalidArgumentError(name + ": default-docker is set in another file too");
    }
    default_ = SectionUrl(section);
    default_attachments_ = SectionAttachments(section);
  }
  const YAML::Node docker = root["docker"];
  if (!docker || !docker.IsMap()) return absl::OkStatus();
  for (const auto& scope : docker) {
    const std::string key = scope.first.as<std::string>();
    const std::optional<std::string> url = SectionUrl(scope.second);
    const std::optional<bool> attachments = SectionAttachments(scope.second);
    if ((url && !scopes_.emplace(key, *url).second) ||
        (attachments && !attachment_scopes_.emplace(key, *attachments).second)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: docker scope {} is set in another file too", name, key));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> Lookaside::BaseFor(const Reference& reference) const {
  for (const std::string& scope : reference.NameScopes()) {
    if (const auto found = scopes_.find(scope); found != scopes_.end()) return found->second;
  }
  return default_;
}

bool Lookaside::UseSigstoreAttachments(const Reference& reference) const {
  for (const std::string& scope : reference.NameScopes()) {
    if (const auto found = attachment_scopes_.find(scope); found != attachment_scopes_.end()) {
      return found->second;
    }
  }
  return default_attachments_.value_or(false);
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
