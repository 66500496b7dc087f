#include "image/policy.h"

#include <filesystem>

#include "common/read_file.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using nlohmann::json;

constexpr size_t kMaxPolicyBytes = 1 << 20;

absl::Status Invalid(const std::string& origin, const std::string& why) {
  return absl::InvalidArgumentError(fmt::format("{}: invalid policy: {}", origin, why));
}

std::string Text(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

absl::StatusOr<SignedIdentity> ParseIdentity(const json& object, const std::string& where) {
  SignedIdentity identity;
  if (!object.is_object()) return Invalid(where, "signedIdentity must be an object");
  identity.type = Text(object, "type");
  identity.reference = Text(object, "dockerReference");
  identity.repository = Text(object, "dockerRepository");
  identity.prefix = Text(object, "prefix");
  identity.signed_prefix = Text(object, "signedPrefix");
  const std::string& type = identity.type;
  if (type == "matchRepoDigestOrExact" || type == "matchExact" || type == "matchRepository") {
    return identity;
  }
  if (type == "exactReference" && !identity.reference.empty()) return identity;
  if (type == "exactRepository" && !identity.repository.empty()) return identity;
  if (type == "remapIdentity" && !identity.prefix.empty() && !identity.signed_prefix.empty()) {
    return identity;
  }
  return Invalid(where, fmt::format("signedIdentity type \"{}\" is unknown or incomplete", type));
}

absl::StatusOr<Requirement> ParseRequirement(const json& object, const std::string& where) {
  if (!object.is_object()) return Invalid(where, "a requirement must be an object");
  const std::string type = Text(object, "type");
  Requirement requirement;
  if (type == "insecureAcceptAnything") {
    requirement.type = Requirement::Type::kInsecureAcceptAnything;
    return requirement;
  }
  if (type == "reject") return requirement;
  if (type != "signedBy") {
    return Invalid(where, fmt::format("requirement type \"{}\" is not supported (supported: "
                                      "insecureAcceptAnything, reject, signedBy)",
                                      type));
  }
  requirement.type = Requirement::Type::kSignedBy;
  if (Text(object, "keyType") != "GPGKeys") {
    return Invalid(where, "signedBy needs keyType \"GPGKeys\"");
  }
  if (const std::string path = Text(object, "keyPath"); !path.empty()) {
    requirement.key_paths.push_back(path);
  }
  if (const auto paths = object.find("keyPaths"); paths != object.end() && paths->is_array()) {
    for (const json& path : *paths) {
      if (path.is_string()) requirement.key_paths.push_back(path.get<std::string>());
    }
  }
  requirement.key_data = Text(object, "keyData");
  const size_t sources =
      (requirement.key_paths.empty() ? 0 : 1) + (requirement.key_data.empty() ? 0 : 1);
  if (sources != 1)
    return Invalid(where, "signedBy needs exactly one of keyPath/keyPaths or keyData");
  if (const auto identity = object.find("signedIdentity"); identity != object.end()) {
    auto parsed = ParseIdentity(*identity, where);
    if (!parsed.ok()) return parsed.status();
    requirement.identity = std::move(*parsed);
  }
  return requirement;
}

absl::StatusOr<std::vector<Requirement>> ParseRequirements(const json& list,
                                                           const std::string& where) {
  if (!list.is_array() || list.empty()) {
    return Invalid(where, "requirements must be a non-empty list");
  }
  std::vector<Requirement> requirements;
  for (const json& item : list) {
    auto requirement = ParseRequirement(item, where);
    if (!requirement.ok()) return requirement.status();
    requirements.push_back(std::move(*requirement));
  }
  return requirements;
}

// The scopes that may hold `reference`'s requirements, most specific first.
std::vector<std::string> Scopes(const Reference& reference) {
  std::vector<std::string> scopes;
  const std::string name = reference.Name();
  if (!reference.digest.empty()) scopes.push_back(name + "@" + reference.digest);
  if (!reference.tag.empty()) scopes.push_back(name + ":" + reference.tag);
  for (std::string scope = name;;) {
    scopes.push_back(scope);
    const size_t slash = scope.rfind('/');
    if (slash == std::string::npos) break;
    scope.resize(slash);
  }
  // Wildcards: "*.b.c" then "*.c" for host "a.b.c".
  std::string host = reference.domain.substr(0, reference.domain.find(':'));
  for (size_t dot = host.find('.'); dot != std::string::npos; dot = host.find('.', dot + 1)) {
    scopes.push_back("*" + host.substr(dot));
  }
  return scopes;
}

}  // namespace

Policy Policy::AcceptAnything() {
  Policy policy;
  policy.default_.push_back({.type = Requirement::Type::kInsecureAcceptAnything});
  return policy;
}

absl::StatusOr<Policy> Policy::Parse(const std::string& json_text, const std::string& origin) {
  const json parsed = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return Invalid(origin, "not a JSON object");
  Policy policy;
  const auto default_list = parsed.find("default");
  if (default_list == parsed.end()) return Invalid(origin, "no \"default\" requirements");
  auto defaults = ParseRequirements(*default_list, origin + ": default");
  if (!defaults.ok()) return defaults.status();
  policy.default_ = std::move(*defaults);
  const auto transports = parsed.find("transports");
  if (transports == parsed.end()) return policy;
  if (!transports->is_object()) return Invalid(origin, "\"transports\" must be an object");
  const auto docker = transports->find("docker");
  if (docker == transports->end()) return policy;
  if (!docker->is_object()) return Invalid(origin, "transports.docker must be an object");
  for (const auto& [scope, list] : docker->items()) {
    auto requirements =
        ParseRequirements(list, fmt::format("{}: docker scope \"{}\"", origin, scope));
    if (!requirements.ok()) return requirements.status();
    policy.docker_[scope] = std::move(*requirements);
  }
  return policy;
}

absl::StatusOr<Policy> Policy::Load(const std::string& path, bool* missing) {
  std::error_code error;
  *missing = !std::filesystem::exists(path, error);
  if (*missing) return AcceptAnything();
  auto text = ReadFileToString(path, kMaxPolicyBytes);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

const std::vector<Requirement>& Policy::RequirementsFor(const Reference& reference) const {
  for (const std::string& scope : Scopes(reference)) {
    if (const auto found = docker_.find(scope); found != docker_.end()) return found->second;
  }
  if (const auto transport_default = docker_.find(""); transport_default != docker_.end()) {
    return transport_default->second;
  }
  return default_;
}

absl::Status Policy::CheckUnsigned(const Reference& reference,
                                   std::vector<Requirement>* signed_by) const {
  signed_by->clear();
  for (const Requirement& requirement : RequirementsFor(reference)) {
    switch (requirement.type) {
      case Requirement::Type::kReject:
        return absl::PermissionDeniedError(
            fmt::format("image {} is rejected by the signature policy", reference.String()));
      case Requirement::Type::kSignedBy:
        signed_by->push_back(requirement);
        break;
      case Requirement::Type::kInsecureAcceptAnything:
        break;
    }
  }
  if (signed_by->empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      fmt::format("image {} must be signed ({} signedBy requirement(s))", reference.String(),
                  signed_by->size()));
}

}  // namespace crio::image
