// GpgSigner: an OpenPGP signing key for tests, made with gpg in a temporary home. Signing
// starts a gpg-agent for that home; the destructor stops it and removes the home, so a test
// leaves no process or key behind.
#pragma once

#include <string>

#include "testing/temp_dir.h"

namespace crio::testing {

class GpgSigner {
 public:
  GpgSigner();  // generates an ed25519 key; ok() tells whether that worked
  ~GpgSigner();
  GpgSigner(const GpgSigner&) = delete;
  GpgSigner& operator=(const GpgSigner&) = delete;

  bool ok() const { return ok_; }
  // The public key, armored.
  std::string PublicKey() const;
  // `payload` signed (binary OpenPGP message, as `gpg --sign` writes).
  std::string Sign(const std::string& payload) const;
  // A simple signing ("atomic container signature") of `manifest_digest` as `reference`.
  std::string SignImage(const std::string& reference, const std::string& manifest_digest) const;

 private:
  TempDir home_;
  bool ok_ = false;
};

}  // namespace crio::testing
