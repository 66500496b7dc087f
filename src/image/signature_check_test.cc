#include "image/signature_check.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "testing/fake_http_transport.h"
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
        http_);
  }

  void Store(int index, const std::string& signature) {
    store_.WriteFile(std::string(kSignatureDir) + "/signature-" + std::to_string(index), signature);
  }

  absl::Status Check(SignatureChecker& checker, const std::string& reference,
                     const std::string& digest = kDigest) {
    return checker.Check(*ParseQualified(reference), digest, {requirement_});
  }

  testing::TempDir store_;
  testing::FakeTransport http_;
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
  EXPECT_NE(unsigned_image.message().find("has none"), std::string::npos) << unsigned_image;

  Store(1, TestData("app-1.0-other-key.sig"));
  EXPECT_EQ(Check(checker, "registry.example/team/app:1.0").code(),
            absl::StatusCode::kPermissionDenied);

  Store(1, TestData("app-1.0.sig"));
  absl::Status other_tag = Check(checker, "registry.example/team/app:2.0");
  EXPECT_EQ(other_tag.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(other_tag.message().find("not registry.example/team/app:2.0"), std::string::npos)
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
  EXPECT_NE(status.message().find("for manifest"), std::string::npos) << status;
}

TEST_F(SignatureCheckerTest, HttpLookaside) {
  const std::string base = "https://sigs.example/store";
  http_.Script(base + "/" + kSignatureDir + "/signature-1",
               {.status = 200, .headers = {}, .body = TestData("app-1.0.sig")});
  SignatureChecker checker(
      Lookaside::Parse({{"sigs.yaml", "default-docker:\n  lookaside: " + base + "\n"}}), http_);
  EXPECT_TRUE(Check(checker, "registry.example/team/app:1.0").ok());
  http_.Fail(base + "/" + kSignatureDir + "/signature-2");
  EXPECT_EQ(Check(checker, "registry.example/team/app:1.0").code(), absl::StatusCode::kUnavailable);
}

TEST_F(SignatureCheckerTest, BrokenRegistriesDirFailsOnlySignedPulls) {
  SignatureChecker checker(absl::InvalidArgumentError("a.yaml: bad"), http_);
  absl::Status status = Check(checker, "registry.example/team/app:1.0");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("a.yaml"), std::string::npos);
}

}  // namespace
}  // namespace crio::image
