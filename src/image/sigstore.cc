#include "image/sigstore.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>

#include "common/base64.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using nlohmann::json;

constexpr char kPayloadMediaType[] = "application/vnd.dev.cosign.simplesigning.v1+json";
constexpr char kSignatureAnnotation[] = "dev.cosignproject.cosign/signature";
constexpr char kBundleAnnotation[] = "dev.sigstore.cosign/bundle";
constexpr char kPayloadType[] = "cosign container image signature";
constexpr int64_t kMaxPayloadBytes = 4 << 20;

absl::Status Refuse(const std::string& why) { return absl::PermissionDeniedError(why); }

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

Bio MemoryBio(std::string_view bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

// An object with exactly `fields` (all present, nothing else), as containers/image's
// paranoid decoder insists.
bool HasExactly(const json& object, std::initializer_list<const char*> fields) {
  if (!object.is_object() || object.size() != fields.size()) return false;
  for (const char* field : fields) {
    if (!object.contains(field)) return false;
  }
  return true;
}

bool IsString(const json& object, const char* field) {
  return object.contains(field) && object[field].is_string();
}

absl::StatusOr<SignedClaims> ParsePayload(const std::string& payload) {
  const json document = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!HasExactly(document, {"critical", "optional"})) {
    return Refuse("not a sigstore signature payload: it needs exactly critical and optional");
  }
  const json& optional = document["optional"];
  if (!optional.is_null() && !optional.is_object()) {
    return Refuse("not a sigstore signature payload: optional is not an object");
  }
  const json& critical = document["critical"];
  if (!HasExactly(critical, {"type", "image", "identity"}) || !critical["type"].is_string()) {
    return Refuse("not a sigstore signature payload: unexpected critical fields");
  }
  if (critical["type"] != kPayloadType) {
    return Refuse(
        fmt::format("Unrecognized signature type {}", critical["type"].get<std::string>()));
  }
  const json& image = critical["image"];
  const json& identity = critical["identity"];
  if (!HasExactly(image, {"docker-manifest-digest"}) ||
      !IsString(image, "docker-manifest-digest")) {
    return Refuse("not a sigstore signature payload: no docker-manifest-digest");
  }
  if (!HasExactly(identity, {"docker-reference"}) || !IsString(identity, "docker-reference")) {
    return Refuse("not a sigstore signature payload: no docker-reference");
  }
  return SignedClaims{.docker_reference = identity["docker-reference"],
                      .manifest_digest = image["docker-manifest-digest"]};
}

// The DER SubjectPublicKeyInfo of `key`.
std::string PublicKeyDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

// The bytes of the one PEM block in `pem`; nullopt when it is not exactly one block.
std::optional<std::string> PemBlockBytes(const std::string& pem) {
  Bio bio = MemoryBio(pem);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) return std::nullopt;
  std::string bytes(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  // Only whitespace may follow the block.
  for (char rest; BIO_read(bio.get(), &rest, 1) == 1;) {
    if (!std::isspace(static_cast<unsigned char>(rest))) return std::nullopt;
  }
  return bytes;
}

// The log entry a Rekor SET proves must be a hashedrekord of this signature.
absl::Status MatchHashedRekord(const std::string& body, const std::string& payload,
                               const std::string& signature, const PublicKey& signer_key) {
  const json entry = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!entry.is_object() || entry.value("kind", "") != "hashedrekord") {
    return Refuse("the Rekor entry is not a hashedrekord");
  }
  if (entry.value("apiVersion", "") != "0.0.1") {
    return Refuse("unsupported Rekor SET Payload hashedrekord version");
  }
  const json spec = entry.value("spec", json());
  const json& signature_part = spec.is_object() ? spec.value("signature", json()) : json();
  const json& data = spec.is_object() ? spec.value("data", json()) : json();
  if (!signature_part.is_object() || !IsString(signature_part, "content")) {
    return Refuse(R"(Missing "signature" field in hashedrekord)");
  }
  const json key = signature_part.value("publicKey", json());
  if (!key.is_object() || !IsString(key, "content")) {
    return Refuse(R"(Missing "signature.publicKey" field in hashedrekord)");
  }
  const std::optional<std::string> key_pem = Base64Decode(key["content"].get<std::string>());
  const std::optional<std::string> key_der = key_pem ? PemBlockBytes(*key_pem) : std::nullopt;
  if (!key_der) return Refuse("publicKey in Rekor SET is not in PEM format");
  if (*key_der != PublicKeyDer(signer_key.get())) {
    return Refuse("publicKey in Rekor SET does not match");
  }
  if (Base64Decode(signature_part["content"].get<std::string>()) != Base64Decode(signature)) {
    return Refuse("signature in Rekor SET does not match");
  }
  const json hash = data.is_object() ? data.value("hash", json()) : json();
  if (!hash.is_object() || hash.value("algorithm", "") != "sha256" || !IsString(hash, "value")) {
    return Refuse(R"(Missing or unexpected "data.hash" in hashedrekord)");
  }
  if ("sha256:" + hash["value"].get<std::string>() != Sha256Digest(payload)) {
    return Refuse("payload in Rekor SET does not match");
  }
  return absl::OkStatus();
}

}  // namespace

void PublicKeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

std::string SigstoreAttachmentTag(const std::string& manifest_digest) {
  std::string tag = manifest_digest;
  if (const size_t colon = tag.find(':'); colon != std::string::npos) tag[colon] = '-';
  return tag + ".sig";
}

absl::StatusOr<std::vector<SigstoreAttachment>> ParseSigstoreAttachments(
    const std::string& manifest_json) {
  const json manifest = json::parse(manifest_json, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object() || !manifest.contains("layers") || !manifest["layers"].is_array()) {
    return absl::InvalidArgumentError("the sigstore attachment is not an image manifest");
  }
  std::vector<SigstoreAttachment> attachments;
  for (const json& layer : manifest["layers"]) {
    if (!layer.is_object() || layer.value("mediaType", "") != kPayloadMediaType) continue;
    SigstoreAttachment attachment;
    attachment.payload.media_type = kPayloadMediaType;
    attachment.payload.digest = layer.value("digest", "");
    attachment.payload.size = layer.value("size", int64_t{-1});
    if (attachment.payload.size < 0 || attachment.payload.size > kMaxPayloadBytes) {
      return absl::InvalidArgumentError(fmt::format(
          "sigstore payload {} has no size or is too large", attachment.payload.digest));
    }
    const json annotations = layer.value("annotations", json::object());
    if (annotations.is_object()) {
      attachment.signature = annotations.value(kSignatureAnnotation, "");
      attachment.bundle = annotations.value(kBundleAnnotation, "");
    }
    attachments.push_back(std::move(attachment));
  }
  return attachments;
}

absl::StatusOr<std::vector<PublicKey>> ParsePublicKeys(const std::string& pem,
                                                       const std::string& what) {
  Bio bio = MemoryBio(pem);
  std::vector<PublicKey> keys;
  while (EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
    keys.emplace_back(key);
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: no PEM public key", what));
  }
  return keys;
}

bool VerifyWithKey(EVP_PKEY* key, std::string_view message, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                   &EVP_MD_CTX_free);
  if (context == nullptr) return false;
  // Ed25519 signs the message itself; the others sign its SHA-256.
  const EVP_MD* digest = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) != 1) return false;
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

absl::StatusOr<SignedClaims> VerifySigstorePayload(const std::string& payload,
                                                   const std::string& base64_signature,
                                                   const std::vector<PublicKey>& keys,
                                                   size_t* signer) {
  const std::optional<std::string> signature = Base64Decode(base64_signature);
  if (!signature) return Refuse("the sigstore signature is not base64");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!VerifyWithKey(keys[i].get(), payload, *signature)) continue;
    if (signer != nullptr) *signer = i;
    return ParsePayload(payload);  // parsed only once verified
  }
  return Refuse("cryptographic signature verification failed");
}

absl::StatusOr<int64_t> VerifyRekorBundle(const std::string& bundle_json,
                                          const std::vector<PublicKey>& rekor_keys,
                                          const std::string& payload,
                                          const std::string& base64_signature,
                                          const PublicKey& signer_key) {
  const json bundle = json::parse(bundle_json, nullptr, /*allow_exceptions=*/false);
  if (!HasExactly(bundle, {"SignedEntryTimestamp", "Payload"}) ||
      !bundle["SignedEntryTimestamp"].is_string()) {
    return Refuse("the Rekor bundle needs exactly SignedEntryTimestamp and Payload");
  }
  const json& entry = bundle["Payload"];
  if (!HasExactly(entry, {"body", "integratedTime", "logIndex", "logID"}) ||
      !entry["body"].is_string() || !entry["integratedTime"].is_number_integer() ||
      !entry["logIndex"].is_number_integer() || !entry["logID"].is_string()) {
    return Refuse("the Rekor bundle's Payload is malformed");
  }
  // RFC 8785 canonical form: sorted keys, no whitespace, integers as written; nlohmann's
  // compact dump of an object with string and integer members is exactly that.
  const std::string canonical = entry.dump();
  const std::optional<std::string> timestamp =
      Base64Decode(bundle["SignedEntryTimestamp"].get<std::string>());
  bool signed_by_log = false;
  for (const PublicKey& key : rekor_keys) {
    if (timestamp && VerifyWithKey(key.get(), canonical, *timestamp)) signed_by_log = true;
  }
  if (!signed_by_log) return Refuse("cryptographic signature verification of Rekor SET failed");
  const std::optional<std::string> body = Base64Decode(entry["body"].get<std::string>());
  if (!body) return Refuse("the Rekor entry body is not base64");
  RETURN_IF_ERROR(MatchHashedRekord(*body, payload, base64_signature, signer_key));
  return entry["integratedTime"].get<int64_t>();
}

}  // namespace crio::image
