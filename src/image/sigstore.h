// Sigstore signatures as containers/image reads them for a `sigstoreSigned` requirement
// (containers-policy.json(5)) and cosign writes them: signatures of the manifest
// sha256:HEX are attached to its repository under the tag `sha256-HEX.sig`, an OCI image
// manifest with one layer per signature. Each layer's blob is the signed payload
//   {"critical": {"type": "cosign container image signature",
//                 "image": {"docker-manifest-digest": "sha256:..."},
//                 "identity": {"docker-reference": "registry/repo[:tag]"}},
//    "optional": {...} or null}
// and its annotations carry the signature (`dev.cosignproject.cosign/signature`, base64 of
// the raw signature over the payload's SHA-256) and, optionally, a Rekor transparency-log
// bundle (`dev.sigstore.cosign/bundle`) and a Fulcio certificate with its chain.
//
// Keys are PEM public keys (ECDSA, RSA with PKCS#1 v1.5, or Ed25519), verified with
// OpenSSL. The payload is parsed only once its signature verifies. Thread-safe: nothing here
// keeps state.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/manifest.h"
#include "image/signature.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace crio::image {

// One signature attached to an image: where its payload blob is, and what its layer's
// annotations say.
struct SigstoreAttachment {
  Descriptor payload;
  std::string signature;  // base64, as the annotation holds it; empty when missing
  std::string bundle;     // Rekor bundle JSON, or empty
};

// The tag a manifest's sigstore attachments live under: "sha256-HEX.sig".
std::string SigstoreAttachmentTag(const std::string& manifest_digest);

// The signatures a `sha256-HEX.sig` manifest lists. Layers of other media types (cosign's
// attestations and such) are not signatures and are skipped. INVALID_ARGUMENT when the
// manifest is not one.
absl::StatusOr<std::vector<SigstoreAttachment>> ParseSigstoreAttachments(
    const std::string& manifest_json);

struct PublicKeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using PublicKey = std::unique_ptr<EVP_PKEY, PublicKeyDeleter>;

// Every PEM "PUBLIC KEY" in `pem` (at least one), or INVALID_ARGUMENT naming `what`.
absl::StatusOr<std::vector<PublicKey>> ParsePublicKeys(const std::string& pem,
                                                       const std::string& what);

// Verifies `base64_signature` over `payload` with any of `keys` and parses the payload.
// PERMISSION_DENIED when no key made it or the payload is not a sigstore payload; on success
// `signer` (when given) is set to the index of the key that made it.
absl::StatusOr<SignedClaims> VerifySigstorePayload(const std::string& payload,
                                                   const std::string& base64_signature,
                                                   const std::vector<PublicKey>& keys,
                                                   size_t* signer = nullptr);

// Verifies a Rekor bundle (the SignedEntryTimestamp over the canonical JSON of its
// payload, by one of `rekor_keys`) and that the log entry it proves is a hashedrekord of
// exactly this `payload`, `base64_signature` and `signer_key`. Returns the entry's
// integrated time (seconds since the epoch). PERMISSION_DENIED otherwise.
absl::StatusOr<int64_t> VerifyRekorBundle(const std::string& bundle_json,
                                          const std::vector<PublicKey>& rekor_keys,
                                          const std::string& payload,
                                          const std::string& base64_signature,
                                          const PublicKey& signer_key);

// Verifies a raw signature over `message` with `key` (SHA-256, or pure Ed25519).
bool VerifyWithKey(EVP_PKEY* key, std::string_view message, std::string_view signature);

}  // namespace crio::image
