#include "image/signature_check.h"

#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/fake_http_transport.h"
#include "testing/sigstore_signer.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

constexpr char kDigest[] =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
constexpr char kSignatureDir[] =
    "team/app@sha256=1111111111111111111111111111111111111111111111111111111111111111";

std::string TestDataPath(const std::string& name) {
  return std::string(CRIO_SOURCE_DIR) + "/src/image/testdata/" + name;
}

std::string TestData(const std::string& name) {
  std::ifstream in(TestDataPath(name), std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

class SignatureCheckerTest : public ::testing::Test {
 protected:
  SignatureCheckerTest() {
    requirement_.type = Requirement::Type::kSignedBy;
    requirement_.key_paths = {TestDataPath("trusted.pub.asc")};
  }

  SignatureChecker FileChecker() {
    return SignatureChecker(
        Lookaside::Parse(
            {{"sigs.yaml",
              "docker:\n  registry.example/team:\n    lookaside: file://" + store_.path() + "\n"}}),
        http_, registry_);
  }

  void Store(int index, const std::string& signature) {
    store_.WriteFile(std::string(kSignatureDir) + "/signature-" + std::to_string(index), signature);
  }

  absl::Status Check(SignatureChecker& checker, const std::string& reference,
                     const std::string& digest = kDigest) {
    const Reference pulled = *ParseQualified(reference);
    const PullSource source{.reference = pulled};
    const Credentials none;
    return checker.Check(pulled, {source, none}, digest, {requirement_});
  }

  testing::TempDir store_;
  testing::FakeTransport http_;
  RegistryClient registry_{http_, store_.Join("certs.d")};
  Requirement requirement_;
};

TEST_F(SignatureCheckerTest, ASignatureByATrustedKeyIsEnough) {
  Store(1, TestData("app-1.0-other-key.sig"));  // not trusted, but the next one is
  Store(2, TestData("app-1.0.sig"));
  SignatureChecker checker = FileChecker();
  EXPECT_TRUE(Check(checker, "registry.example/team/app:1.0").ok());
}

TEST_F(SignatureCheckerTest, UnsignedWrongKeyWrongTagOrDigestAreRefused) {
  SignatureChecker checker = FileChecker();
  absl::Status unsigned_image = Check(checker, "registry.example/team/app:1.0");
  EXPECT_EQ(unsigned_image.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(unsigned_image.message(),
            "SignatureValidationFailed: Source image rejected: A signature was required, but no "
            "signature exists");

  Store(1, TestData("app-1.0-other-key.sig"));
  EXPECT_EQ(Check(checker, "registry.example/team/app:1.0").code(),
            absl::StatusCode::kPermissionDenied);

  Store(1, TestData("app-1.0.sig"));
  absl::Status other_tag = Check(checker, "registry.example/team/app:2.0");
  EXPECT_EQ(other_tag.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(other_tag.message().find(
                "Signature for identity registry.example/team/app:1.0 is not accepted"),
            std::string::npos)
      << other_tag;
}

TEST_F(SignatureCheckerTest, SignatureForAnotherManifestIsRefused) {
  // Stored under the pulled digest, but the signature names another manifest.
  const std::string other = "sha256:" + std::string(64, '2');
  store_.WriteFile("team/app@sha256=" + std::string(64, '2') + "/signature-1",
                   TestData("app-1.0.sig"));
  SignatureChecker checker = FileChecker();
  absl::Status status = Check(checker, "registry.example/team/app:1.0", other);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find("Signature for docker digest \"sha256:1111"), std::string::npos)
      << status;
}

TEST_F(SignatureCheckerTest, HttpLookaside) {
  const std::string base = "https://sigs.example/store";
  http_.Script(base + "/" + kSignatureDir + "/signature-1",
               {.status = 200, .headers = {}, .body = TestData("app-1.0.sig")});
  SignatureChecker checker(
      Lookaside::Parse({{"sigs.yaml", "default-docker:\n  lookaside: " + base + "\n"}}), http_,
      registry_);
  EXPECT_TRUE(Check(checker, "registry.example/team/app:1.0").ok());
  http_.Fail(base + "/" + kSignatureDir + "/signature-2");
  EXPECT_EQ(Check(checker, "registry.example/team/app:1.0").code(), absl::StatusCode::kUnavailable);
}

TEST_F(SignatureCheckerTest, BrokenRegistriesDirFailsOnlySignedPulls) {
  SignatureChecker checker(absl::InvalidArgumentError("a.yaml: bad"), http_, registry_);
  absl::Status status = Check(checker, "registry.example/team/app:1.0");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("a.yaml"), std::string::npos);
}

// Sigstore signatures attached in the registry, as cosign pushes them.
class SigstoreCheckerTest : public SignatureCheckerTest {
 protected:
  static constexpr char kAttachmentUrl[] =
      "https://registry.example/v2/team/app/manifests/"
      "sha256-1111111111111111111111111111111111111111111111111111111111111111.sig";

  SigstoreCheckerTest() {
    requirement_ = Requirement{.type = Requirement::Type::kSigstoreSigned};
    requirement_.key_data = {Base64Encode(signer_.PublicKeyPem())};
  }

  SignatureChecker AttachmentChecker(bool attachments = true) {
    return SignatureChecker(
        Lookaside::Parse({{"sigs.yaml", std::string("docker:\n  registry.example/team:\n    "
                                                     "use-sigstore-attachments: ") +
                                            (attachments ? "true" : "false") + "\n"}}),
        http_, registry_);
  }

  // A signature layer for `payload`, its blob served by the registry.
  nlohmann::json Layer(const std::string& payload, const std::string& signature,
                       const std::string& bundle = "") {
    http_.Replace("https://registry.example/v2/team/app/blobs/" + Sha256Digest(payload),
                  {.status = 200, .headers = {}, .body = payload});
    nlohmann::json annotations = {{"dev.cosignproject.cosign/signature", signature}};
    if (!bundle.empty()) annotations["dev.sigstore.cosign/bundle"] = bundle;
    return {{"mediaType", "application/vnd.dev.cosign.simplesigning.v1+json"},
            {"digest", Sha256Digest(payload)},
            {"size", payload.size()},
            {"annotations", annotations}};
  }

  void Attach(const std::vector<nlohmann::json>& layers) {
    const std::string config = "{}";
    http_.Replace("https://registry.example/v2/team/app/blobs/" + Sha256Digest(config),
                  {.status = 200, .headers = {}, .body = config});
    nlohmann::json manifest = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config",
         {{"mediaType", "application/vnd.oci.image.config.v1+json"},
          {"digest", Sha256Digest(config)},
          {"size", config.size()}}},
        {"layers", layers}};
    http_.Replace(kAttachmentUrl,
                  {.status = 200,
                   .headers = {{"content-type", "application/vnd.oci.image.manifest.v1+json"}},
                   .body = manifest.dump()});
  }

  std::string Signed(const std::string& reference, const std::string& digest = kDigest) {
    return testing::SigstoreSigner::Payload(reference, digest);
  }

  testing::SigstoreSigner signer_;
  testing::SigstoreSigner stranger_{testing::SigstoreSigner::KeyType::kEd25519};
  testing::SigstoreSigner log_;
};

TEST_F(SigstoreCheckerTest, AnAttachedSignatureByTheKeyIsAccepted) {
  const std::string payload = Signed("registry.example/team/app:1.0");
  Attach({Layer(payload, stranger_.SignBase64(payload)),
          Layer(payload, signer_.SignBase64(payload))});
  SignatureChecker checker = AttachmentChecker();
  EXPECT_TRUE(Check(checker, "registry.example/team/app:1.0").ok());
  // Read from the registry only where registries.d says so.
  SignatureChecker without = AttachmentChecker(false);
  EXPECT_EQ(Check(without, "registry.example/team/app:1.0").message(),
            "SignatureValidationFailed: Source image rejected: A signature was required, but no "
            "signature exists");
}

TEST_F(SigstoreCheckerTest, RefusalsGiveContainersImageReasons) {
  SignatureChecker checker = AttachmentChecker();
  const std::string payload = Signed("registry.example/team/app:1.0");
  Attach({Layer(payload, stranger_.SignBase64(payload))});
  EXPECT_EQ(Check(checker, "registry.example/team/app:1.0").message(),
            "SignatureValidationFailed: Source image rejected: cryptographic signature "
            "verification failed");

  const std::string other_tag = Signed("registry.example/team/app:2.0");
  Attach({Layer(payload, stranger_.SignBase64(payload)),
          Layer(other_tag, signer_.SignBase64(other_tag))});
  EXPECT_EQ(Check(checker, "registry.example/team/app:1.0").message(),
            "SignatureValidationFailed: Source image rejected: None of the signatures were "
            "accepted, reasons: cryptographic signature verification failed; Signature for "
            "identity registry.example/team/app:2.0 is not accepted");

  const std::string other_image =
      Signed("registry.example/team/app:1.0", "sha256:" + std::string(64, '3'));
  Attach({Layer(other_image, signer_.SignBase64(other_image))});
  EXPECT_NE(Check(checker, "registry.example/team/app:1.0").message().find("does not match"),
            std::string::npos);
}

TEST_F(SigstoreCheckerTest, ARepositoryOnlyIdentityNeedsMatchRepository) {
  // cosign signs the repository without a tag: no tag is not "latest".
  const std::string payload = Signed("registry.example/team/app");
  Attach({Layer(payload, signer_.SignBase64(payload))});
  SignatureChecker checker = AttachmentChecker();
  EXPECT_EQ(Check(checker, "registry.example/team/app:latest").code(),
            absl::StatusCode::kPermissionDenied);
  requirement_.identity.type = "matchRepository";
  EXPECT_TRUE(Check(checker, "registry.example/team/app:latest").ok());
}

TEST_F(SigstoreCheckerTest, RekorKeysRequireABundleTheLogSigned) {
  requirement_.rekor_key_data = {Base64Encode(log_.PublicKeyPem())};
  SignatureChecker checker = AttachmentChecker();
  const std::string payload = Signed("registry.example/team/app:1.0");
  const std::string signature = signer_.SignBase64(payload);
  Attach({Layer(payload, signature)});
  EXPECT_NE(Check(checker, "registry.example/team/app:1.0").message().find(
                "missing dev.sigstore.cosign/bundle annotation"),
            std::string::npos);
  Attach({Layer(payload, signature, stranger_.RekorBundle(signer_, payload, signature))});
  EXPECT_NE(Check(checker, "registry.example/team/app:1.0").message().find(
                "cryptographic signature verification of Rekor SET failed"),
            std::string::npos);
  Attach({Layer(payload, signature, log_.RekorBundle(signer_, payload, signature))});
  EXPECT_TRUE(Check(checker, "registry.example/team/app:1.0").ok());
}

TEST_F(SigstoreCheckerTest, KeylessTrustRootsAreRefusedNotSkipped) {
  requirement_.key_data.clear();
  requirement_.keyless_root = "fulcio";
  const std::string payload = Signed("registry.example/team/app:1.0");
  Attach({Layer(payload, signer_.SignBase64(payload))});
  SignatureChecker checker = AttachmentChecker();
  const absl::Status status = Check(checker, "registry.example/team/app:1.0");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find("fulcio"), std::string::npos) << status;
}

}  // namespace
}  // namespace crio::image
