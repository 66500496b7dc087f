// A self-signed certificate for a server whose operator named certificate and key files that
// do not exist yet (metrics_cert/metrics_key), as CRI-O generates one: an ECDSA P-256 key and
// a certificate for localhost and 127.0.0.1, valid for a year.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace crio::tls {

// Writes a new key (0600) to `key_file` and its certificate to `cert_file`, making their
// directories. Nothing is written over an existing file: FAILED_PRECONDITION when exactly
// one of the two exists (a pair cannot be completed), OK without writing when both do.
absl::Status EnsureSelfSignedPair(const std::string& cert_file, const std::string& key_file);

}  // namespace crio::tls
