#include "image/signature.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "gtest/gtest.h"

namespace crio::image {
namespace {

// testdata/: two ed25519 keys (trusted, other) and signatures made with gpg over
// {"critical":{"identity":{"docker-reference":"registry.example/team/app:1.0"},
//  "image":{"docker-manifest-digest":"sha256:1111…"},"type":"atomic container signature"},...}
constexpr char kDigest[] =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";

std::string TestData(const std::string& name) {
  std::ifstream in(std::string(CRIO_SOURCE_DIR) + "/src/image/testdata/" + name, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(VerifySignatureTest, TrustedKeyYieldsTheClaims) {
  auto claims = VerifySignature(TestData("app-1.0.sig"), {TestData("trusted.pub.asc")});
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->docker_reference, "registry.example/team/app:1.0");
  EXPECT_EQ(claims->manifest_digest, kDigest);
  EXPECT_FALSE(claims->key_fingerprint.empty());
}

// Children of this process that exited but were not reaped.
int ZombieChildren() {
  int zombies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream status(entry.path() / "status");
    std::string line, state;
    long parent = -1;
    while (std::getline(status, line)) {
      if (line.starts_with("State:")) state = line.substr(7, 1);
      if (line.starts_with("PPid:")) parent = std::atol(line.c_str() + 5);
    }
    zombies += parent == ::getpid() && state == "Z";
  }
  return zombies;
}

TEST(VerifySignatureTest, ReapsItsGpgProcesses) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(VerifySignature(TestData("app-1.0.sig"), {TestData("trusted.pub.asc")}).ok());
  }
  EXPECT_EQ(ZombieChildren(), 0);  // (leftover homes are the leak check's to find)
}

TEST(VerifySignatureTest, OtherKeysAreRefused) {
  EXPECT_EQ(VerifySignature(TestData("app-1.0-other-key.sig"), {TestData("trusted.pub.asc")})
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifySignature(TestData("app-1.0.sig"), {}).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Either of two trusted keys will do.
  EXPECT_TRUE(VerifySignature(TestData("app-1.0-other-key.sig"),
                              {TestData("trusted.pub.asc"), TestData("other.pub.asc")})
                  .ok());
}

TEST(VerifySignatureTest, GarbageAndUnknownCriticalFieldsAreRefused) {
  EXPECT_EQ(VerifySignature("not a signature", {TestData("trusted.pub.asc")}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifySignature(TestData("unknown-critical.sig"), {TestData("trusted.pub.asc")})
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
}

Reference Ref(const std::string& text) { return *ParseQualified(text); }

TEST(IdentityMatchesTest, DefaultRule) {
  const SignedIdentity rule;  // matchRepoDigestOrExact
  EXPECT_TRUE(
      IdentityMatches(rule, Ref("registry.example/team/app:1.0"), "registry.example/team/app:1.0"));
  EXPECT_FALSE(
      IdentityMatches(rule, Ref("registry.example/team/app:2.0"), "registry.example/team/app:1.0"));
  EXPECT_TRUE(IdentityMatches(rule, Ref(std::string("registry.example/team/app@") + kDigest),
                              "registry.example/team/app:1.0"));
  EXPECT_FALSE(IdentityMatches(rule, Ref(std::string("registry.example/other@") + kDigest),
                               "registry.example/team/app:1.0"));
  EXPECT_FALSE(IdentityMatches(rule, Ref("registry.example/team/app:1.0"), "not a reference!"));
}

TEST(IdentityMatchesTest, OtherRules) {
  const Reference pulled = Ref("mirror.example/team/app:1.0");
  EXPECT_TRUE(IdentityMatches({.type = "matchRepository"}, Ref("registry.example/app:9"),
                              "registry.example/app:1"));
  EXPECT_TRUE(IdentityMatches({.type = "exactReference", .reference = "registry.example/app:1"},
                              pulled, "registry.example/app:1"));
  EXPECT_TRUE(IdentityMatches({.type = "exactRepository", .repository = "registry.example/app"},
                              pulled, "registry.example/app:7"));
  EXPECT_TRUE(IdentityMatches({.type = "remapIdentity",
                               .prefix = "mirror.example/team",
                               .signed_prefix = "registry.example/team"},
                              pulled, "registry.example/team/app:1.0"));
  EXPECT_FALSE(IdentityMatches({.type = "remapIdentity",
                                .prefix = "mirror.example/team",
                                .signed_prefix = "registry.example/team"},
                               pulled, "registry.example/team/app:2.0"));
  EXPECT_FALSE(IdentityMatches({.type = "matchExact"},
                               Ref(std::string("registry.example/app@") + kDigest),
                               "registry.example/app:1"));
}

TEST(RequirementKeysTest, FilesAndInlineData) {
  Requirement requirement{.type = Requirement::Type::kSignedBy};
  requirement.key_paths = {std::string(CRIO_SOURCE_DIR) + "/src/image/testdata/trusted.pub.asc"};
  requirement.key_data = {Base64Encode(TestData("other.pub.asc"))};
  auto keys = RequirementKeys(requirement);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  requirement.key_paths = {"/nonexistent/key.gpg"};
  EXPECT_EQ(RequirementKeys(requirement).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace crio::image
