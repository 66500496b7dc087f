#include "image/sigstore.h"

#include "common/base64.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/sigstore_signer.h"

namespace crio::image {
namespace {

using testing::SigstoreSigner;

constexpr char kDigest[] =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";

std::vector<PublicKey> Keys(const SigstoreSigner& signer) {
  return *ParsePublicKeys(signer.PublicKeyPem(), "test key");
}

TEST(SigstoreTest, EachKeyTypeCosignUsesVerifies) {
  for (const auto type : {SigstoreSigner::KeyType::kEcdsaP256, SigstoreSigner::KeyType::kEd25519,
                          SigstoreSigner::KeyType::kRsa2048}) {
    SigstoreSigner signer(type);
    ASSERT_TRUE(signer.ok());
    const std::string payload = SigstoreSigner::Payload("registry.example/app:1", kDigest);
    auto claims = VerifySigstorePayload(payload, signer.SignBase64(payload), Keys(signer));
    ASSERT_TRUE(claims.ok()) << claims.status();
    EXPECT_EQ(claims->docker_reference, "registry.example/app:1");
    EXPECT_EQ(claims->manifest_digest, kDigest);
  }
}

TEST(SigstoreTest, AnotherKeyOrAChangedPayloadFails) {
  SigstoreSigner signer;
  SigstoreSigner stranger;
  const std::string payload = SigstoreSigner::Payload("registry.example/app:1", kDigest);
  const std::string signature = signer.SignBase64(payload);
  EXPECT_EQ(VerifySigstorePayload(payload, signature, Keys(stranger)).status().message(),
            "cryptographic signature verification failed");
  std::string changed = payload;
  changed[changed.find("app:1") + 4] = '2';
  EXPECT_FALSE(VerifySigstorePayload(changed, signature, Keys(signer)).ok());
  EXPECT_FALSE(VerifySigstorePayload(payload, "not base64!", Keys(signer)).ok());
  // The key that made it is reported when several are trusted.
  std::vector<PublicKey> both = Keys(stranger);
  both.push_back(std::move(Keys(signer).front()));
  size_t signer_index = 9;
  EXPECT_TRUE(VerifySigstorePayload(payload, signature, both, &signer_index).ok());
  EXPECT_EQ(signer_index, 1u);
}

TEST(SigstoreTest, SignedPayloadsOfAnotherShapeAreRefused) {
  SigstoreSigner signer;
  const auto refused = [&](const nlohmann::json& document) {
    const std::string payload = document.dump();
    return VerifySigstorePayload(payload, signer.SignBase64(payload), Keys(signer)).status();
  };
  nlohmann::json good = nlohmann::json::parse(SigstoreSigner::Payload("r.example/a:1", kDigest));
  nlohmann::json extra = good;
  extra["critical"]["unknown"] = 1;
  EXPECT_EQ(refused(extra).code(), absl::StatusCode::kPermissionDenied);
  nlohmann::json atomic = good;
  atomic["critical"]["type"] = "atomic container signature";
  EXPECT_EQ(refused(atomic).message(), "Unrecognized signature type atomic container signature");
  nlohmann::json null_optional = good;
  null_optional["optional"] = nullptr;  // what /usr/bin/cosign writes without annotations
  EXPECT_TRUE(refused(null_optional).ok());
  nlohmann::json no_optional = good;
  no_optional.erase("optional");
  EXPECT_FALSE(refused(no_optional).ok());
}

TEST(SigstoreTest, PublicKeysFromPem) {
  SigstoreSigner one;
  SigstoreSigner two(SigstoreSigner::KeyType::kEd25519);
  auto keys = ParsePublicKeys(one.PublicKeyPem() + two.PublicKeyPem(), "keys.pub");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(ParsePublicKeys("garbage", "keys.pub").status().message(),
            "keys.pub: no PEM public key");
}

TEST(SigstoreTest, AttachmentManifestsListTheirSignatureLayers) {
  const nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"layers",
       {{{"mediaType", "application/vnd.dev.cosign.simplesigning.v1+json"},
         {"digest", "sha256:aa"},
         {"size", 10},
         {"annotations",
          {{"dev.cosignproject.cosign/signature", "c2ln"},
           {"dev.sigstore.cosign/bundle", "{}"}}}},
        {{"mediaType", "application/vnd.dsse.envelope.v1+json"},  // an attestation
         {"digest", "sha256:bb"},
         {"size", 10}}}}};
  auto attachments = ParseSigstoreAttachments(manifest.dump());
  ASSERT_TRUE(attachments.ok()) << attachments.status();
  ASSERT_EQ(attachments->size(), 1u);
  EXPECT_EQ(attachments->front().payload.digest, "sha256:aa");
  EXPECT_EQ(attachments->front().signature, "c2ln");
  EXPECT_EQ(attachments->front().bundle, "{}");
  EXPECT_FALSE(ParseSigstoreAttachments("[]").ok());
  nlohmann::json huge = manifest;
  huge["layers"][0]["size"] = int64_t{1} << 30;
  EXPECT_FALSE(ParseSigstoreAttachments(huge.dump()).ok());
  EXPECT_EQ(SigstoreAttachmentTag(kDigest),
            "sha256-1111111111111111111111111111111111111111111111111111111111111111.sig");
}

TEST(SigstoreTest, RekorBundlesProveExactlyThisSignature) {
  SigstoreSigner signer;
  SigstoreSigner log;
  const std::string payload = SigstoreSigner::Payload("registry.example/app:1", kDigest);
  const std::string signature = signer.SignBase64(payload);
  const PublicKey signer_key = std::move(Keys(signer).front());
  auto time = VerifyRekorBundle(log.RekorBundle(signer, payload, signature, 1234), Keys(log),
                                payload, signature, signer_key);
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, 1234);

  // Signed by another log; for another signature, payload or key.
  EXPECT_FALSE(VerifyRekorBundle(signer.RekorBundle(signer, payload, signature), Keys(log),
                                 payload, signature, signer_key)
                   .ok());
  const std::string other_signature = signer.SignBase64(payload + " ");
  EXPECT_EQ(VerifyRekorBundle(log.RekorBundle(signer, payload, other_signature), Keys(log),
                              payload, signature, signer_key)
                .status()
                .message(),
            "signature in Rekor SET does not match");
  EXPECT_EQ(VerifyRekorBundle(log.RekorBundle(signer, payload + " ", signature), Keys(log),
                              payload, signature, signer_key)
                .status()
                .message(),
            "payload in Rekor SET does not match");
  SigstoreSigner other;
  EXPECT_EQ(VerifyRekorBundle(log.RekorBundle(other, payload, signature), Keys(log), payload,
                              signature, signer_key)
                .status()
                .message(),
            "publicKey in Rekor SET does not match");
  // The timestamp covers the whole entry: a changed log index breaks it.
  nlohmann::json bundle = nlohmann::json::parse(log.RekorBundle(signer, payload, signature));
  bundle["Payload"]["logIndex"] = 43;
  EXPECT_FALSE(
      VerifyRekorBundle(bundle.dump(), Keys(log), payload, signature, signer_key).ok());
}

}  // namespace
}  // namespace crio::image
