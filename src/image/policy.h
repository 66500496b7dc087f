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
  enum class Type { kInsecureAcceptAnything, kReject, kSignedBy };
  Type type = Type::kReject;
  // signedBy
  std::vector<std::string> key_paths;  // keyPath and keyPaths
  std::string key_data;                // keyData, base64 as written
  SignedIdentity identity;
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

  // PERMISSION_DENIED when a requirement of the scope is "reject"; OK when every
  // requirement is "insecureAcceptAnything"; FAILED_PRECONDITION with the scope's signedBy
  // requirements left to check otherwise (`signed_by` receives them).
  absl::Status CheckUnsigned(const Reference& reference, std::vector<Requirement>* signed_by) const;

 private:
  std::vector<Requirement> default_;
  std::map<std::string, std::vector<Requirement>> docker_;  // scope → requirements
};

}  // namespace crio::image
