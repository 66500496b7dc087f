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

// containers/image's summary of a requirement no signature met.
std::string Summary(const std::vector<std::string>& reasons) {
  if (reasons.empty()) return "A signature was required, but no signature exists";
  if (reasons.size() == 1) return reasons.front();
  return fmt::format("None of the signatures were accepted, reasons: {}",
                     fmt::join(reasons, "; "));
}

std::string DigestMismatch(const std::string& digest) {
  return fmt::format("Signature for docker digest \"{}\" does not match", digest);
}

std::string IdentityRefused(const std::string& reference) {
  return fmt::format("Signature for identity {} is not accepted", reference);
}

// The claims' verdict for `requirement` and the pulled image: empty when accepted.
std::string ClaimsVerdict(const SignedClaims& claims, const Reference& pulled,
                          const std::string& manifest_digest, const Requirement& requirement) {
  if (claims.manifest_digest != manifest_digest) return DigestMismatch(claims.manifest_digest);
  if (!IdentityMatches(requirement.identity, pulled, claims.docker_reference)) {
    return IdentityRefused(claims.docker_reference);
  }
  return "";
}

// Whether the Rekor log vouches for the signature, when the requirement names log keys: empty
// when it does (or need not), else why not.
std::string LogVerdict(const SignatureChecker::Attached& signature,
                       const std::vector<PublicKey>& rekor_keys, const PublicKey& signer_key) {
  if (rekor_keys.empty()) return "";
  const SigstoreAttachment& attachment = signature.attachment;
  if (attachment.bundle.empty()) return "missing dev.sigstore.cosign/bundle annotation";
  const absl::StatusOr<int64_t> logged = VerifyRekorBundle(
      attachment.bundle, rekor_keys, signature.payload, attachment.signature, signer_key);
  return logged.ok() ? "" : std::string(AsStd(logged.status().message()));
}

absl::StatusOr<std::vector<PublicKey>> ParseAllKeys(const std::vector<std::string>& materials,
                                                    const std::string& what) {
  std::vector<PublicKey> keys;
  for (const std::string& material : materials) {
    ASSIGN_OR_RETURN(std::vector<PublicKey> parsed, ParsePublicKeys(material, what));
    for (PublicKey& key : parsed) keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace

absl::Status SignatureChecker::Check(const Reference& pulled, const PulledFrom& from,
                                     const std::string& manifest_digest,
                                     const std::vector<Requirement>& requirements) const {
  std::optional<std::vector<std::string>> simple;  // fetched when a requirement needs them
  std::optional<std::vector<Attached>> attached;
  for (const Requirement& requirement : requirements) {
    bool accepted = false;
    std::vector<std::string> reasons;
    if (requirement.type == Requirement::Type::kSignedBy) {
      if (!simple) {
        ASSIGN_OR_RETURN(simple, LookasideSignatures(pulled, manifest_digest));
      }
      ASSIGN_OR_RETURN(reasons, SimpleSigningReasons(pulled, manifest_digest, requirement,
                                                     *simple, &accepted));
    } else {
      if (!attached) {
        ASSIGN_OR_RETURN(attached, AttachedSignatures(pulled, from, manifest_digest));
      }
      ASSIGN_OR_RETURN(reasons,
                       SigstoreReasons(pulled, manifest_digest, requirement, *attached, &accepted));
    }
    if (!accepted) {
      return absl::PermissionDeniedError(
          fmt::format("SignatureValidationFailed: Source image rejected: {}", Summary(reasons)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SignatureChecker::SimpleSigningReasons(
    const Reference& pulled, const std::string& manifest_digest, const Requirement& requirement,
    const std::vector<std::string>& signatures, bool* accepted) const {
  ASSIGN_OR_RETURN(const std::vector<std::string> keys, RequirementKeys(requirement));
  std::vector<std::string> reasons;
  for (const std::string& signature : signatures) {
    auto claims = VerifySignature(signature, keys);
    std::string reason = claims.ok()
                             ? ClaimsVerdict(*claims, pulled, manifest_digest, requirement)
                             : std::string(AsStd(claims.status().message()));
    if (reason.empty()) {
      *accepted = true;
      return std::vector<std::string>{};
    }
    reasons.push_back(std::move(reason));
  }
  return reasons;
}

absl::StatusOr<std::vector<std::string>> SignatureChecker::SigstoreReasons(
    const Reference& pulled, const std::string& manifest_digest, const Requirement& requirement,
    const std::vector<Attached>& signatures, bool* accepted) const {
  if (!requirement.keyless_root.empty()) {
    return std::vector<std::string>{fmt::format(
        "crio does not verify sigstoreSigned signatures with a {} trust root; use keyPath or "
        "keyData",
        requirement.keyless_root)};
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> key_material, RequirementKeys(requirement));
  ASSIGN_OR_RETURN(const std::vector<PublicKey> keys,
                   ParseAllKeys(key_material, "sigstoreSigned public key"));
  ASSIGN_OR_RETURN(const std::vector<std::string> rekor_material,
                   KeyMaterial(requirement.rekor_key_paths, requirement.rekor_key_data,
                               "sigstoreSigned rekor public key"));
  ASSIGN_OR_RETURN(const std::vector<PublicKey> rekor_keys,
                   ParseAllKeys(rekor_material, "sigstoreSigned rekor public key"));
  std::vector<std::string> reasons;
  for (const Attached& signature : signatures) {
    const SigstoreAttachment& attachment = signature.attachment;
    if (attachment.signature.empty()) {
      reasons.push_back("missing dev.cosignproject.cosign/signature annotation");
      continue;
    }
    size_t signer = 0;
    auto claims = VerifySigstorePayload(signature.payload, attachment.signature, keys, &signer);
    std::string reason =
        !claims.ok() ? std::string(AsStd(claims.status().message()))
                     : LogVerdict(signature, rekor_keys, keys[signer]);
    if (reason.empty()) reason = ClaimsVerdict(*claims, pulled, manifest_digest, requirement);
    if (reason.empty()) {
      *accepted = true;
      return std::vector<std::string>{};
    }
    reasons.push_back(std::move(reason));
  }
  return reasons;
}

absl::StatusOr<std::vector<SignatureChecker::Attached>> SignatureChecker::AttachedSignatures(
    const Reference& pulled, const PulledFrom& from, const std::string& manifest_digest) const {
  if (!lookaside_.ok()) {
    return absl::FailedPreconditionError(
        fmt::format("registries.d: {}", AsStd(lookaside_.status().message())));
  }
  std::vector<Attached> signatures;
  if (!lookaside_->UseSigstoreAttachments(pulled)) return signatures;
  PullSource tagged = from.source;
  tagged.reference.tag = SigstoreAttachmentTag(manifest_digest);
  tagged.reference.digest.clear();
  auto manifest = registry_.FetchManifest(tagged, from.credentials);
  if (manifest.status().code() == absl::StatusCode::kNotFound) return signatures;
  if (!manifest.ok()) return manifest.status();
  ASSIGN_OR_RETURN(std::vector<SigstoreAttachment> attachments,
                   ParseSigstoreAttachments(manifest->body));
  if (attachments.size() > kMaxSignatures) attachments.resize(kMaxSignatures);
  for (SigstoreAttachment& attachment : attachments) {
    std::string payload;
    RETURN_IF_ERROR(registry_.FetchBlob(tagged, attachment.payload, from.credentials,
                                        [&payload](std::string_view chunk) {
                                          payload.append(chunk);
                                          return absl::OkStatus();
                                        }));
    signatures.push_back({.attachment = std::move(attachment), .payload = std::move(payload)});
  }
  return signatures;
}

absl::StatusOr<std::vector<std::string>> SignatureChecker::LookasideSignatures(
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
