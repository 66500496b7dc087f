// SignatureChecker: enforces a scope's signature requirements (policy.h) for one pull, as
// containers/image does, before any layer is fetched:
//   - signedBy: simple signing signatures from the lookaside storage registries.d names for
//     the image (lookaside.h; file:// or http(s)://, signature-1, -2, ... until one is
//     missing), verified with gpg (signature.h);
//   - sigstoreSigned: signatures attached in the registry the image came from (the tag
//     sha256-HEX.sig), read only where registries.d sets `use-sigstore-attachments`,
//     verified with the requirement's public keys and, when it names Rekor keys, their log
//     bundles (sigstore.h).
// A requirement is met by one signature its keys made that names the pulled manifest's
// digest and matches its signedIdentity. Otherwise the pull is refused with
// PERMISSION_DENIED and containers/image's reasons, marked "SignatureValidationFailed" as
// CRI-O marks them for the kubelet.
//
// Thread-safe: it holds immutable configuration and thread-safe collaborators.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/auth.h"
#include "image/http_transport.h"
#include "image/lookaside.h"
#include "image/policy.h"
#include "image/reference.h"
#include "image/registries.h"
#include "image/registry_client.h"
#include "image/sigstore.h"

namespace crio::image {

// Where a pull's image came from: a sigstore attachment is read from the same place.
struct PulledFrom {
  const PullSource& source;
  const Credentials& credentials;
};

class SignatureChecker {
 public:
  // `lookaside` is the registries.d configuration as loaded; when loading failed, every
  // check fails with that error (pulls that need no signature are unaffected).
  SignatureChecker(absl::StatusOr<Lookaside> lookaside, HttpTransport& http,
                   RegistryClient& registry)
      : lookaside_(std::move(lookaside)), http_(http), registry_(registry) {}

  absl::Status Check(const Reference& pulled, const PulledFrom& from,
                     const std::string& manifest_digest,
                     const std::vector<Requirement>& requirements) const;

 // A sigstore signature with its payload fetched.
  struct Attached {
    SigstoreAttachment attachment;
    std::string payload;
  };

 private:
  // Why each signature fails `requirement` (empty when one is accepted: then *accepted).
  absl::StatusOr<std::vector<std::string>> SimpleSigningReasons(
      const Reference& pulled, const std::string& manifest_digest, const Requirement& requirement,
      const std::vector<std::string>& signatures, bool* accepted) const;
  absl::StatusOr<std::vector<std::string>> SigstoreReasons(const Reference& pulled,
                                                           const std::string& manifest_digest,
                                                           const Requirement& requirement,
                                                           const std::vector<Attached>& signatures,
                                                           bool* accepted) const;

  // The simple signing signatures stored for `manifest_digest` of `pulled`, in index order.
  absl::StatusOr<std::vector<std::string>> LookasideSignatures(
      const Reference& pulled, const std::string& manifest_digest) const;
  // One signature: nullopt when there is none at `url`.
  absl::StatusOr<std::optional<std::string>> Fetch(const std::string& url) const;
  // The sigstore signatures attached to `manifest_digest` where the image came from.
  absl::StatusOr<std::vector<Attached>> AttachedSignatures(
      const Reference& pulled, const PulledFrom& from, const std::string& manifest_digest) const;

  const absl::StatusOr<Lookaside> lookaside_;
  HttpTransport& http_;
  RegistryClient& registry_;
};

}  // namespace crio::image
