// Image trust policy: containers-policy.json(5), the "docker" transport.
//
// A policy maps scopes to lists of requirements; an image is trusted when every requirement
// of its most specific scope accepts it. Scopes, most specific first: the full reference
// with tag or digest, the repository, each enclosing namespace, the registry host, then
// "*.domain" wildcards (longest first), then the transport's "" entry, then "default".
//
// Policy is immutable once parsed; thread-safe. Signature checking itself (fetching
// signatures and verifying them with gpgme) is the verifier's job; this unit says which
// keys and identity rules apply.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/reference.h"

namespace crio::image {

struct SignedIdentity {
  // matchRepoDigestOrExact (the default), matchExact, matchRepository, exactReference,
  // exactRepository, remapIdentity.
  std::string type = "matchRepoDigestOrExact";
  std::string reference;      // exactReference
  std::string repository;     // exactRepository
  std::string prefix;         // remapIdentity
  std::string signed_prefix;  // remapIdentity
};

struct Requirement {
  enum class Type {
    kInsecureAcceptAnything,
    kReject,
    kSignedBy,        // simple signing (OpenPGP) signatures from the lookaside storage
    kSigstoreSigned,  // sigstore signatures attached in the registry
    kSignedBaseLayer  // accepted in a policy; containers/image implements no check for it
  };
  Type type = Type::kReject;
  // signedBy and sigstoreSigned
  std::vector<std::string> key_paths;  // keyPath and keyPaths
  std::vector<std::string> key_data;   // keyData and keyDatas, base64 as written
  SignedIdentity identity;
  // sigstoreSigned: the Rekor log's public keys (rekorPublicKeyPath(s)/-Data(s)); when
  // given, each signature must carry a log bundle they sign.
  std::vector<std::string> rekor_key_paths;
  std::vector<std::string> rekor_key_data;
  // sigstoreSigned trust roots other than keys ("fulcio", "pki"), named when the policy uses
  // one: crio refuses such images rather than accept them unchecked.
  std::string keyless_root;
};

class Policy {
 public:
  // The policy crio uses when no policy.json exists: accept anything.
  static Policy AcceptAnything();
  static absl::StatusOr<Policy> Parse(const std::string& json_text, const std::string& origin);
  // Reads `path`; a missing file gives AcceptAnything() with `*missing` set.
  static absl::StatusOr<Policy> Load(const std::string& path, bool* missing);

  // The requirements for `reference` (never empty: Parse refuses empty lists).
  const std::vector<Requirement>& RequirementsFor(const Reference& reference) const;

  // PERMISSION_DENIED when a requirement of the scope is "reject" (or "signedBaseLayer",
  // which nothing implements); OK when every requirement is "insecureAcceptAnything";
  // FAILED_PRECONDITION with the scope's signedBy and sigstoreSigned requirements left to
  // check otherwise (`signed_by` receives them).
  absl::Status CheckUnsigned(const Reference& reference, std::vector<Requirement>* signed_by) const;

 private:
  std::vector<Requirement> default_;
  std::map<std::string, std::vector<Requirement>> docker_;  // scope → requirements
};

}  // namespace crio::image
