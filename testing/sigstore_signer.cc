#include "testing/sigstore_signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <vector>

#include "common/base64.h"
#include "common/sha256.h"
#include "nlohmann/json.hpp"

namespace crio::testing {

SigstoreSigner::SigstoreSigner(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEd25519:
      key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyType::kRsa2048:
      key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
  }
}

SigstoreSigner::~SigstoreSigner() { EVP_PKEY_free(key_); }

std::string SigstoreSigner::PublicKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string SigstoreSigner::Sign(std::string_view message) const {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const EVP_MD* digest = EVP_PKEY_get_base_id(key_) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  size_t length = 0;
  std::vector<unsigned char> signature;
  const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSignInit(context, nullptr, digest, nullptr, key_) == 1 &&
      EVP_DigestSign(context, nullptr, &length, bytes, message.size()) == 1) {
    signature.resize(length);
    if (EVP_DigestSign(context, signature.data(), &length, bytes, message.size()) != 1) length = 0;
  }
  EVP_MD_CTX_free(context);
  return std::string(reinterpret_cast<const char*>(signature.data()), length);
}

std::string SigstoreSigner::SignBase64(std::string_view message) const {
  return Base64Encode(Sign(message));
}

std::string SigstoreSigner::Payload(const std::string& reference,
                                    const std::string& manifest_digest) {
  return nlohmann::json{
      {"critical",
       {{"identity", {{"docker-reference", reference}}},
        {"image", {{"docker-manifest-digest", manifest_digest}}},
        {"type", "cosign container image signature"}}},
      {"optional", {{"creator", "crio tests"}, {"timestamp", 1700000000}}}}
      .dump();
}

std::string SigstoreSigner::RekorBundle(const SigstoreSigner& signer, const std::string& payload,
                                        const std::string& base64_signature,
                                        int64_t integrated_time) const {
  const nlohmann::json body = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"data", {{"hash", {{"algorithm", "sha256"}, {"value", Sha256Digest(payload).substr(7)}}}}},
        {"signature",
         {{"content", base64_signature},
          {"publicKey", {{"content", Base64Encode(signer.PublicKeyPem())}}}}}}}};
  const nlohmann::json entry = {{"body", Base64Encode(body.dump())},
                                {"integratedTime", integrated_time},
                                {"logID", std::string(64, 'a')},
                                {"logIndex", 42}};
  return nlohmann::json{{"SignedEntryTimestamp", SignBase64(entry.dump())}, {"Payload", entry}}
      .dump();
}

}  // namespace crio::testing
