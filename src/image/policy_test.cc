#include "image/policy.h"

#include "gtest/gtest.h"
#include "image/registries.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

using Type = Requirement::Type;

constexpr char kPolicy[] = R"({
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {
      "": [{"type": "insecureAcceptAnything"}],
      "registry.example.com": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/etc/keys/a.gpg"}],
      "registry.example.com/team/app": [{"type": "insecureAcceptAnything"}],
      "registry.example.com/team/app:blessed": [{"type": "signedBy", "keyType": "GPGKeys",
          "keyPaths": ["/k1", "/k2"], "signedIdentity": {"type": "matchRepository"}}],
      "*.evil.io": [{"type": "reject"}],
      "*.io": [{"type": "insecureAcceptAnything"}, {"type": "reject"}]
    }
  }
})";

Type FirstFor(const Policy& policy, const std::string& reference) {
  return policy.RequirementsFor(*ParseQualified(reference)).front().type;
}

TEST(PolicyTest, MostSpecificScopeWins) {
  auto policy = Policy::Parse(kPolicy, "policy.json");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(FirstFor(*policy, "registry.example.com/team/app:blessed"), Type::kSignedBy);
  EXPECT_EQ(FirstFor(*policy, "registry.example.com/team/app:other"),
            Type::kInsecureAcceptAnything);
  EXPECT_EQ(FirstFor(*policy, "registry.example.com/team/other:1"), Type::kSignedBy);
  EXPECT_EQ(FirstFor(*policy, "a.b.evil.io/x:1"), Type::kReject);
  EXPECT_EQ(FirstFor(*policy, "quay.example.org/x:1"), Type::kInsecureAcceptAnything);  // ""
  const auto& blessed =
      policy->RequirementsFor(*ParseQualified("registry.example.com/team/app:blessed"));
  EXPECT_EQ(blessed.front().key_paths, (std::vector<std::string>{"/k1", "/k2"}));
  EXPECT_EQ(blessed.front().identity.type, "matchRepository");
}

TEST(PolicyTest, EveryRequirementMustAccept) {
  auto policy = Policy::Parse(kPolicy, "policy.json");
  ASSERT_TRUE(policy.ok());
  std::vector<Requirement> signed_by;
  EXPECT_TRUE(policy->CheckUnsigned(*ParseQualified("quay.example.org/x:1"), &signed_by).ok());
  EXPECT_EQ(policy->CheckUnsigned(*ParseQualified("quay.io/x:1"), &signed_by).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy->CheckUnsigned(*ParseQualified("registry.example.com/x:1"), &signed_by).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(signed_by.size(), 1u);
  EXPECT_EQ(signed_by[0].key_paths, (std::vector<std::string>{"/etc/keys/a.gpg"}));
  EXPECT_EQ(signed_by[0].identity.type, "matchRepoDigestOrExact");
}

TEST(PolicyTest, DefaultAppliesWithoutDockerScopes) {
  auto policy = Policy::Parse(R"({"default": [{"type": "reject"}]})", "p.json");
  ASSERT_TRUE(policy.ok());
  std::vector<Requirement> signed_by;
  EXPECT_EQ(policy->CheckUnsigned(*ParseQualified("quay.io/x:1"), &signed_by).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PolicyTest, MissingFileAcceptsAnything) {
  testing::TempDir dir;
  bool missing = false;
  auto policy = Policy::Load(dir.Join("policy.json"), &missing);
  ASSERT_TRUE(policy.ok());
  EXPECT_TRUE(missing);
  std::vector<Requirement> signed_by;
  EXPECT_TRUE(policy->CheckUnsigned(*ParseQualified("quay.io/x:1"), &signed_by).ok());
  dir.WriteFile("policy.json", R"({"default": [{"type": "insecureAcceptAnything"}]})");
  EXPECT_TRUE(Policy::Load(dir.Join("policy.json"), &missing).ok());
  EXPECT_FALSE(missing);
}

TEST(PolicyTest, RejectsInvalidPolicies) {
  for (
      const char* bad : {
          "[]",
          R"({})",
          R"({"default": []})",
          R"({"default": [{"type": "maybe"}]})",
          R"({"default": [{"type": "signedBy", "keyType": "X509", "keyPath": "/k"}]})",
          R"({"default": [{"type": "signedBy", "keyType": "GPGKeys"}]})",
          R"({"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "keyData": "QQ=="}]})",
          R"({"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "exactReference"}}]})",
          R"({"default": [{"type": "reject"}], "transports": {"docker": {"x.io": []}}})",
          R"({"default": [{"type": "sigstoreSigned"}]})",
          R"({"default": [{"type": "sigstoreSigned", "keyPath": "/k", "keyData": "QQ=="}]})",
          R"({"default": [{"type": "sigstoreSigned", "fulcio": {}}]})",
          R"({"default": [{"type": "sigstoreSigned", "keyPath": "/k", "rekorPublicKeyPath": "/r", "rekorPublicKeyData": "QQ=="}]})",
          R"({"default": [{"type": "signedBaseLayer"}]})",
      }) {
    EXPECT_FALSE(Policy::Parse(bad, "p.json").ok()) << bad;
  }
}

TEST(PolicyTest, SigstoreAndBaseLayerRequirementsAreUnderstood) {
  auto policy = Policy::Parse(R"({
    "default": [{"type": "reject"}],
    "transports": {"docker": {
      "quay.io/signed": [{"type": "sigstoreSigned", "keyPath": "/etc/keys/cosign.pub",
                          "rekorPublicKeyData": "UkVLT1I=",
                          "signedIdentity": {"type": "matchRepository"}}],
      "quay.io/keyless": [{"type": "sigstoreSigned",
                           "fulcio": {"caPath": "/ca.pem", "oidcIssuer": "https://i",
                                      "subjectEmail": "a@b"},
                           "rekorPublicKeyPath": "/rekor.pub"}],
      "quay.io/base": [{"type": "signedBaseLayer",
                        "baseLayerIdentity": {"type": "exactRepository",
                                              "dockerRepository": "quay.io/b"}}]}}})",
                              "p.json");
  ASSERT_TRUE(policy.ok()) << policy.status();
  std::vector<Requirement> needed;
  EXPECT_EQ(policy->CheckUnsigned(*ParseQualified("quay.io/signed/app:1"), &needed).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(needed.size(), 1u);
  EXPECT_EQ(needed[0].type, Requirement::Type::kSigstoreSigned);
  EXPECT_EQ(needed[0].key_paths, std::vector<std::string>{"/etc/keys/cosign.pub"});
  EXPECT_EQ(needed[0].rekor_key_data, std::vector<std::string>{"UkVLT1I="});
  EXPECT_EQ(needed[0].identity.type, "matchRepository");
  EXPECT_EQ(policy->CheckUnsigned(*ParseQualified("quay.io/keyless/app:1"), &needed).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(needed[0].keyless_root, "fulcio");
  // containers/image implements no check for signedBaseLayer: such images are refused.
  const absl::Status base = policy->CheckUnsigned(*ParseQualified("quay.io/base/app:1"), &needed);
  EXPECT_EQ(base.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(base.message().find("signedBaseLayer not implemented yet"), std::string::npos);
}

}  // namespace
}  // namespace crio::image

namespace crio::image {
namespace {

TEST(ContribFilesTest, ShippedRegistriesConfAndPolicyLoad) {
  const std::string contrib = std::string(CRIO_SOURCE_DIR) + "/contrib";
  auto registries = Registries::Load(contrib + "/registries.conf", contrib + "/no-drop-ins");
  ASSERT_TRUE(registries.ok()) << registries.status();
  EXPECT_EQ(registries->search_registries(), (std::vector<std::string>{"docker.io"}));
  bool missing = true;
  auto policy = Policy::Load(contrib + "/policy.json", &missing);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_FALSE(missing);
  std::vector<Requirement> signed_by;
  EXPECT_TRUE(policy->CheckUnsigned(*ParseQualified("quay.io/x:1"), &signed_by).ok());
}

}  // namespace
}  // namespace crio::image
