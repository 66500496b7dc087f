// Lookaside signature storage: containers-registries.d(5). Each *.yaml file of the
// registries.d directory may set a `lookaside` (or the older `sigstore`) URL for
// `default-docker` or for a scope under `docker` (a registry, a namespace in it, or one
// repository). The most specific scope that sets one wins. Signatures of an image live at
//   BASE/PATH@ALGO=HEX/signature-N   (N = 1, 2, ... until one is missing)
// where PATH is the repository path without the registry and ALGO:HEX the manifest digest.
// A section's `use-sigstore-attachments: true` says sigstore signatures are to be read from
// the registry itself (sigstore.h); the most specific section that sets it decides.
//
// Immutable once loaded; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "image/reference.h"

namespace YAML {
class Node;
}

namespace crio::image {

class Lookaside {
 public:
  // Reads every *.yaml file of `dir`; a missing directory configures nothing. Two files
  // setting the same scope, or bad YAML, are errors naming the file.
  static absl::StatusOr<Lookaside> Load(const std::string& dir);
  static absl::StatusOr<Lookaside> Parse(const std::map<std::string, std::string>& files);

  // The base URL for `reference`'s signatures, if any scope sets one.
  std::optional<std::string> BaseFor(const Reference& reference) const;

  // Whether sigstore signatures of `reference` are read from its registry.
  bool UseSigstoreAttachments(const Reference& reference) const;

  // The URL of signature `index` (from 1) of the manifest `digest` under `base`.
  static std::string SignatureUrl(const std::string& base, const Reference& reference,
                                  const std::string& digest, int index);

 private:
  // Applies one registries.d file (YAML errors throw).
  absl::Status Apply(const std::string& name, const YAML::Node& root);

  std::optional<std::string> default_;
  std::map<std::string, std::string> scopes_;  // "registry[/namespace...]" → base URL
  std::optional<bool> default_attachments_;
  std::map<std::string, bool> attachment_scopes_;  // "registry[/namespace...]" → set to
};

}  // namespace crio::image
