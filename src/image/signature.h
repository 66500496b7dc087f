// Simple signing ("atomic container signature") verification with gpgme, as
// containers-signature(5) defines it: an OpenPGP-signed JSON document
//   {"critical": {"type": "atomic container signature",
//                 "image": {"docker-manifest-digest": "sha256:..."},
//                 "identity": {"docker-reference": "registry/repo:tag"}},
//    "optional": {...}}
// A signature is accepted for a requirement when a key of the requirement made it, it
// names the digest of the manifest being pulled, and its identity matches the requirement's
// signedIdentity rule for the reference being pulled.
//
// Each verification runs gpg in a fresh temporary home holding only the requirement's
// keys (removed afterwards), so the host's keyrings never count. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/policy.h"
#include "image/reference.h"

namespace crio::image {

// What a verified signature claims.
struct SignedClaims {
  std::string docker_reference;
  std::string manifest_digest;
  std::string key_fingerprint;  // the key that made the signature
};

// Verifies `signature` (binary or armored OpenPGP) against the public keys in `keyrings`
// (each a key file's content: binary or armored). PERMISSION_DENIED when no given key made
// it or it is not a well-formed simple signing document.
absl::StatusOr<SignedClaims> VerifySignature(const std::string& signature,
                                             const std::vector<std::string>& keyrings);

// Whether a signature claiming `signed_reference` may stand for `pulled` under `identity`.
bool IdentityMatches(const SignedIdentity& identity, const Reference& pulled,
                     const std::string& signed_reference);

// Key files' contents and base64 key data, decoded; an unreadable file or bad base64 is
// FAILED_PRECONDITION naming `what` (and the file).
absl::StatusOr<std::vector<std::string>> KeyMaterial(const std::vector<std::string>& paths,
                                                     const std::vector<std::string>& data,
                                                     std::string_view what);

// The public keys a signedBy or sigstoreSigned requirement names: its keyPath/keyPaths files
// and its keyData/keyDatas (base64).
absl::StatusOr<std::vector<std::string>> RequirementKeys(const Requirement& requirement);

}  // namespace crio::image
