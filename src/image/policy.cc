#include "image/policy.h"

#include <filesystem>

#include "common/read_file.h"
#include "common/status_macros.h"
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

// `single` and the `plural` list of strings, together.
std::vector<std::string> Strings(const json& object, const char* single, const char* plural) {
  std::vector<std::string> values;
  if (std::string value = Text(object, single); !value.empty()) values.push_back(std::move(value));
  if (const auto list = object.find(plural); list != object.end() && list->is_array()) {
    for (const json& value : *list) {
      if (value.is_string()) values.push_back(value.get<std::string>());
    }
  }
  return values;
}

absl::Status ParseSignedIdentity(const json& object, const std::string& where,
                                 Requirement& requirement) {
  if (const auto identity = object.find("signedIdentity"); identity != object.end()) {
    ASSIGN_OR_RETURN(requirement.identity, ParseIdentity(*identity, where));
  }
  return absl::OkStatus();
}

absl::StatusOr<Requirement> ParseSignedBy(const json& object, const std::string& where) {
  Requirement requirement{.type = Requirement::Type::kSignedBy};
  const std::string key_type = Text(object, "keyType");
  if (key_type != "GPGKeys" && key_type != "signedByGPGKeys") {
    return Invalid(where, "signedBy needs keyType \"GPGKeys\"");
  }
  requirement.key_paths = Strings(object, "keyPath", "keyPaths");
  requirement.key_data = Strings(object, "keyData", "keyDatas");
  const size_t sources =
      (requirement.key_paths.empty() ? 0 : 1) + (requirement.key_data.empty() ? 0 : 1);
  if (sources != 1)
    return Invalid(where, "signedBy needs exactly one of keyPath/keyPaths or keyData");
  RETURN_IF_ERROR(ParseSignedIdentity(object, where, requirement));
  return requirement;
}

absl::StatusOr<Requirement> ParseSigstoreSigned(const json& object, const std::string& where) {
  Requirement requirement{.type = Requirement::Type::kSigstoreSigned};
  requirement.key_paths = Strings(object, "keyPath", "keyPaths");
  requirement.key_data = Strings(object, "keyData", "keyDatas");
  for (const char* root : {"fulcio", "pki"}) {
    if (object.contains(root)) requirement.keyless_root = root;
  }
  const size_t roots = (requirement.key_paths.empty() ? 0 : 1) +
                       (requirement.key_data.empty() ? 0 : 1) +
                       (requirement.keyless_root.empty() ? 0 : 1);
  if (roots != 1) {
    return Invalid(where,
                   "sigstoreSigned needs exactly one of keyPath/keyPaths, keyData/keyDatas, "
                   "fulcio or pki");
  }
  requirement.rekor_key_paths = Strings(object, "rekorPublicKeyPath", "rekorPublicKeyPaths");
  requirement.rekor_key_data = Strings(object, "rekorPublicKeyData", "rekorPublicKeyDatas");
  if (!requirement.rekor_key_paths.empty() && !requirement.rekor_key_data.empty()) {
    return Invalid(where, "sigstoreSigned takes rekor public keys from paths or data, not both");
  }
  if (requirement.keyless_root == "fulcio" && requirement.rekor_key_paths.empty() &&
      requirement.rekor_key_data.empty()) {
    return Invalid(where, "sigstoreSigned with fulcio needs a rekor public key");
  }
  RETURN_IF_ERROR(ParseSignedIdentity(object, where, requirement));
  return requirement;
}

absl::StatusOr<Requirement> ParseRequirement(const json& object, const std::string& where) {
  if (!object.is_object()) return Invalid(where, "a requirement must be an object");
  const std::string type = Text(object, "type");
  if (type == "insecureAcceptAnything") {
    return Requirement{.type = Requirement::Type::kInsecureAcceptAnything};
  }
  if (type == "reject") return Requirement{.type = Requirement::Type::kReject};
  if (type == "signedBy") return ParseSignedBy(object, where);
  if (type == "sigstoreSigned") return ParseSigstoreSigned(object, where);
  if (type == "signedBaseLayer") {
    if (!object.contains("baseLayerIdentity")) {
      return Invalid(where, "signedBaseLayer needs a baseLayerIdentity");
    }
    return Requirement{.type = Requirement::Type::kSignedBaseLayer};
  }
  return Invalid(where, fmt::format("requirement type \"{}\" is not supported (supported: "
                                    "insecureAcceptAnything, reject, signedBy, sigstoreSigned, "
                                    "signedBaseLayer)",
                                    type));
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
  for (std::string& scope : reference.NameScopes()) scopes.push_back(std::move(scope));
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
      case Requirement::Type::kSignedBaseLayer:
        // What containers/image answers for it, whatever the image.
        return absl::PermissionDeniedError(
            fmt::format("image {}: signedBaseLayer not implemented yet", reference.String()));
      case Requirement::Type::kSignedBy:
      case Requirement::Type::kSigstoreSigned:
        signed_by->push_back(requirement);
        break;
      case Requirement::Type::kInsecureAcceptAnything:
        break;
    }
  }
  if (signed_by->empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      fmt::format("image {} must be signed ({} signature requirement(s))", reference.String(),
                  signed_by->size()));
}

}  // namespace crio::image
