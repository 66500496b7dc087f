// SignatureChecker: enforces a scope's signedBy requirements (policy.h) for one pull. It
// reads the manifest's signatures from the lookaside storage registries.d names for the
// image (lookaside.h; file:// or http(s)://, signature-1, -2, ... until one is missing),
// and accepts the image when every requirement has at least one signature that verifies
// with its keys, names the pulled manifest's digest and matches its signedIdentity
// (signature.h). Otherwise the pull is refused (PERMISSION_DENIED) before any layer is
// fetched, and the reasons are in the message.
//
// Thread-safe: it holds immutable configuration and a thread-safe transport.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/http_transport.h"
#include "image/lookaside.h"
#include "image/policy.h"
#include "image/reference.h"

namespace crio::image {

class SignatureChecker {
 public:
  // `lookaside` is the registries.d configuration as loaded; when loading failed, every
  // check fails with that error (pulls that need no signature are unaffected).
  SignatureChecker(absl::StatusOr<Lookaside> lookaside, HttpTransport& http)
      : lookaside_(std::move(lookaside)), http_(http) {}

  absl::Status Check(const Reference& pulled, const std::string& manifest_digest,
                     const std::vector<Requirement>& requirements) const;

 private:
  // The signatures stored for `manifest_digest` of `pulled`, in index order.
  absl::StatusOr<std::vector<std::string>> Signatures(const Reference& pulled,
                                                      const std::string& manifest_digest) const;
  // One signature: nullopt when there is none at `url`.
  absl::StatusOr<std::optional<std::string>> Fetch(const std::string& url) const;

  const absl::StatusOr<Lookaside> lookaside_;
  HttpTransport& http_;
};

}  // namespace crio::image
