#include "image/lookaside.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

Reference Ref(const std::string& text) { return *ParseQualified(text); }

TEST(LookasideTest, MostSpecificScopeWins) {
  auto lookaside = Lookaside::Parse(
      {{"a.yaml", "default-docker:\n  lookaside: https://sigs.example/default\n"},
       {"b.yaml",
        "docker:\n"
        "  registry.example:\n    lookaside: https://sigs.example/registry\n"
        "  registry.example/team:\n    sigstore: file:///var/lib/sigs/team\n"
        "  registry.example/team/app:\n    lookaside: https://sigs.example/app/\n"}});
  ASSERT_TRUE(lookaside.ok()) << lookaside.status();
  EXPECT_EQ(lookaside->BaseFor(Ref("registry.example/team/app:1")), "https://sigs.example/app/");
  EXPECT_EQ(lookaside->BaseFor(Ref("registry.example/team/other:1")), "file:///var/lib/sigs/team");
  EXPECT_EQ(lookaside->BaseFor(Ref("registry.example/else:1")), "https://sigs.example/registry");
  EXPECT_EQ(lookaside->BaseFor(Ref("quay.io/x:1")), "https://sigs.example/default");
}

TEST(LookasideTest, SigstoreAttachmentsFollowTheMostSpecificSectionThatSetsThem) {
  auto lookaside = Lookaside::Parse(
      {{"a.yaml", "default-docker:\n  use-sigstore-attachments: true\n"},
       {"b.yaml",
        "docker:\n"
        "  registry.example:\n    use-sigstore-attachments: false\n"
        "  registry.example/team:\n    lookaside: https://sigs.example/team\n"
        "  registry.example/team/app:\n    use-sigstore-attachments: true\n"}});
  ASSERT_TRUE(lookaside.ok()) << lookaside.status();
  EXPECT_TRUE(lookaside->UseSigstoreAttachments(Ref("registry.example/team/app:1")));
  EXPECT_FALSE(lookaside->UseSigstoreAttachments(Ref("registry.example/team/other:1")));
  EXPECT_TRUE(lookaside->UseSigstoreAttachments(Ref("quay.io/x:1")));
  EXPECT_FALSE(Lookaside::Parse({})->UseSigstoreAttachments(Ref("quay.io/x:1")));
  EXPECT_FALSE(
      Lookaside::Parse({{"a.yaml", "default-docker:\n  use-sigstore-attachments: maybe\n"}})
          .ok());
}

TEST(LookasideTest, NothingConfiguredMeansNoBase) {
  auto lookaside = Lookaside::Parse({});
  ASSERT_TRUE(lookaside.ok());
  EXPECT_FALSE(lookaside->BaseFor(Ref("quay.io/x:1")));
  testing::TempDir dir;
  auto missing = Lookaside::Load(dir.Join("absent"));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->BaseFor(Ref("quay.io/x:1")));
}

TEST(LookasideTest, ConflictsAndBadYamlAreErrors) {
  EXPECT_FALSE(Lookaside::Parse({{"a.yaml", "docker:\n  r.io:\n    lookaside: x\n"},
                                 {"b.yaml", "docker:\n  r.io:\n    lookaside: y\n"}})
                   .ok());
  EXPECT_FALSE(Lookaside::Parse({{"a.yaml", "docker: [unclosed\n"}}).ok());
}

TEST(LookasideTest, LoadReadsOnlyYamlFiles) {
  testing::TempDir dir;
  dir.WriteFile("sigs.yaml", "default-docker:\n  lookaside: file:///sigs\n");
  dir.WriteFile("notes.txt", "docker: [not yaml");
  auto lookaside = Lookaside::Load(dir.path());
  ASSERT_TRUE(lookaside.ok()) << lookaside.status();
  EXPECT_EQ(lookaside->BaseFor(Ref("quay.io/x:1")), "file:///sigs");
}

TEST(LookasideTest, SignatureUrlUsesThePathAndAnEqualsSign) {
  EXPECT_EQ(Lookaside::SignatureUrl(
                "https://example.com/sigstore/", Ref("docker.io/library/busybox:latest"),
                "sha256:817a12c32a39bbe394944ba49de563e085f1d3c5266eb8e9723256bc4448680e", 2),
            "https://example.com/sigstore/library/busybox@sha256="
            "817a12c32a39bbe394944ba49de563e085f1d3c5266eb8e9723256bc4448680e/signature-2");
}

}  // namespace
}  // namespace crio::image
