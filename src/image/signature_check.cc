#include "image/signature_check.h"

#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "image/signature.h"

namespace crio::image {
namespace {

constexpr int kMaxSignatures = 64;              // per manifest
constexpr size_t kMaxSignatureBytes = 4 << 20;  // containers/image's own limit

}  // namespace

absl::Status SignatureChecker::Check(const Reference& pulled, const std::string& manifest_digest,
                                     const std::vector<Requirement>& requirements) const {
  ASSIGN_OR_RETURN(const std::vector<std::string> signatures, Signatures(pulled, manifest_digest));
  for (const Requirement& requirement : requirements) {
    ASSIGN_OR_RETURN(const std::vector<std::string> keys, RequirementKeys(requirement));
    std::vector<std::string> reasons;
    bool accepted = false;
    for (const std::string& signature : signatures) {
      auto claims = VerifySignature(signature, keys);
      if (!claims.ok()) {
        reasons.emplace_back(AsStd(claims.status().message()));
      } else if (claims->manifest_digest != manifest_digest) {
        reasons.push_back(fmt::format("signature is for manifest {}", claims->manifest_digest));
      } else if (!IdentityMatches(requirement.identity, pulled, claims->docker_reference)) {
        reasons.push_back(fmt::format("signature is for {}, not {} ({})", claims->docker_reference,
                                      pulled.String(), requirement.identity.type));
      } else {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      return absl::PermissionDeniedError(fmt::format(
          "pull {}: the signature policy requires a signature by a trusted key (signedBy), "
          "and {}",
          pulled.String(),
          signatures.empty() ? "the image has none"
                             : fmt::format("none is accepted: {}", fmt::join(reasons, "; "))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SignatureChecker::Signatures(
    const Reference& pulled, const std::string& manifest_digest) const {
  if (!lookaside_.ok()) {
    return absl::FailedPreconditionError(
        fmt::format("registries.d: {}", AsStd(lookaside_.status().message())));
  }
  const std::optional<std::string> base = lookaside_->BaseFor(pulled);
  std::vector<std::string> signatures;
  if (!base) return signatures;  // no storage configured: no signatures
  for (int index = 1; index <= kMaxSignatures; ++index) {
    ASSIGN_OR_RETURN(std::optional<std::string> signature,
                     Fetch(Lookaside::SignatureUrl(*base, pulled, manifest_digest, index)));
    if (!signature) break;
    signatures.push_back(std::move(*signature));
  }
  return signatures;
}

absl::StatusOr<std::optional<std::string>> SignatureChecker::Fetch(const std::string& url) const {
  constexpr std::string_view kFile = "file://";
  if (url.starts_with(kFile)) {
    auto content = ReadFileToString(url.substr(kFile.size()), kMaxSignatureBytes);
    if (content.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
    if (!content.ok()) return content.status();
    return std::optional(std::move(*content));
  }
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return absl::FailedPreconditionError(
        fmt::format("lookaside {}: only file://, http:// and https:// are supported", url));
  }
  ASSIGN_OR_RETURN(const HttpResponse response,
                   http_.Get({.url = url, .max_body_bytes = kMaxSignatureBytes}, nullptr));
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) {
    return absl::UnavailableError(fmt::format("GET {}: HTTP {}", url, response.status));
  }
  return std::optional(response.body);
}

}  // namespace crio::image
