// SigstoreSigner: a key pair for tests that signs as cosign does (a sigstore payload naming
// an image, its signature in base64) and can stand in for a Rekor log (a bundle whose
// SignedEntryTimestamp it signs). Keys are made with OpenSSL in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace crio::testing {

class SigstoreSigner {
 public:
  enum class KeyType { kEcdsaP256, kEd25519, kRsa2048 };
  explicit SigstoreSigner(KeyType type = KeyType::kEcdsaP256);
  ~SigstoreSigner();
  SigstoreSigner(const SigstoreSigner&) = delete;
  SigstoreSigner& operator=(const SigstoreSigner&) = delete;

  bool ok() const { return key_ != nullptr; }
  std::string PublicKeyPem() const;
  // The raw signature over `message` (SHA-256, or pure Ed25519).
  std::string Sign(std::string_view message) const;
  // Sign(message) in base64, as the signature annotation holds it.
  std::string SignBase64(std::string_view message) const;

  // The payload cosign signs for `manifest_digest` as `reference` (a repository alone, or
  // with its tag).
  static std::string Payload(const std::string& reference, const std::string& manifest_digest);

  // A Rekor bundle, signed by this signer as the log, proving that `signer` made
  // `base64_signature` over `payload`.
  std::string RekorBundle(const SigstoreSigner& signer, const std::string& payload,
                          const std::string& base64_signature,
                          int64_t integrated_time = 1700000000) const;

 private:
  EVP_PKEY* key_ = nullptr;
};

}  // namespace crio::testing
