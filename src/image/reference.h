// Image references in the docker reference grammar, as kubelet and crictl send them:
//   [domain[:port]/]path[:tag][@algorithm:hex]
// e.g. "busybox", "registry.k8s.io/pause:3.10.1", "quay.io/a/b@sha256:<64 hex>".
//
// Parsing is pure and strict: names must be lowercase path components, tags at most 128
// characters, digests well formed, the name at most 255 characters. Nothing here decides
// where a short name is pulled from; registries.conf does (see registries.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::image {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when only a digest was given
  std::string digest;  // "sha256:<hex>", or empty

  // domain/path
  std::string Name() const;
  // Name with ":tag" and/or "@digest".
  std::string String() const;
  // Name, then each enclosing namespace, then the registry: the scopes configuration files
  // (policy.json, registries.d) key settings by, most specific first.
  std::vector<std::string> NameScopes() const;

  bool operator==(const Reference&) const = default;
};

// Whether `text` names no registry: its first component has no '.' or ':' and is not
// "localhost" (so "busybox" and "library/busybox" are short, "quay.io/x" is not).
bool IsShortName(std::string_view text);

// Parses a reference that names its registry. Without tag and digest the tag is "latest".
// A short name is INVALID_ARGUMENT here: resolve it through registries.conf first.
absl::StatusOr<Reference> ParseQualified(std::string_view text);

// Parses `text`, giving a short name the registry `domain`; for docker.io a one-component
// path gets the "library/" prefix ("busybox" → "docker.io/library/busybox:latest").
absl::StatusOr<Reference> ParseWithDefaultDomain(std::string_view text, std::string_view domain);

// Checks an "algorithm:hex" digest; sha256 must have exactly 64 lowercase hex digits.
absl::Status ValidateDigest(std::string_view digest);

}  // namespace crio::image
