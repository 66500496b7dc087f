#include "image/reference.h"

#include "gtest/gtest.h"

namespace crio::image {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(ReferenceTest, ShortNames) {
  EXPECT_TRUE(IsShortName("busybox"));
  EXPECT_TRUE(IsShortName("library/busybox"));
  EXPECT_TRUE(IsShortName("busybox:1.36"));
  EXPECT_FALSE(IsShortName("quay.io/busybox"));
  EXPECT_FALSE(IsShortName("localhost/busybox"));
  EXPECT_FALSE(IsShortName("registry:5000/busybox"));
}

TEST(ReferenceTest, DockerHubNormalization) {
  EXPECT_EQ(ParseWithDefaultDomain("busybox", "docker.io")->String(),
            "docker.io/library/busybox:latest");
  EXPECT_EQ(ParseWithDefaultDomain("user/app:v1", "docker.io")->String(), "docker.io/user/app:v1");
  EXPECT_EQ(ParseWithDefaultDomain("busybox", "quay.io")->String(), "quay.io/busybox:latest");
  EXPECT_EQ(ParseQualified("index.docker.io/library/busybox")->domain, "docker.io");
}

TEST(ReferenceTest, TagsDigestsAndPorts) {
  auto ref = ParseQualified("registry.k8s.io/pause:3.10.1");
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->domain, "registry.k8s.io");
  EXPECT_EQ(ref->path, "pause");
  EXPECT_EQ(ref->tag, "3.10.1");

  ref = ParseQualified("localhost:5000/a/b@" + kDigest);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->domain, "localhost:5000");
  EXPECT_EQ(ref->path, "a/b");
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->digest, kDigest);

  ref = ParseQualified("127.0.0.1:5000/app:v2@" + kDigest);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->tag, "v2");
  EXPECT_EQ(ref->String(), "127.0.0.1:5000/app:v2@" + kDigest);

  ref = ParseQualified("[::1]:5000/app");
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->domain, "[::1]:5000");
}

TEST(ReferenceTest, SeparatorsInPathComponents) {
  EXPECT_TRUE(ParseQualified("quay.io/a.b/c_d/e__f/g---h").ok());
  EXPECT_FALSE(ParseQualified("quay.io/a..b").ok());
  EXPECT_FALSE(ParseQualified("quay.io/a___b").ok());
  EXPECT_FALSE(ParseQualified("quay.io/-a").ok());
  EXPECT_FALSE(ParseQualified("quay.io/a/").ok());
  EXPECT_FALSE(ParseQualified("quay.io//a").ok());
}

TEST(ReferenceTest, RejectsMalformedReferences) {
  EXPECT_FALSE(ParseQualified("").ok());
  EXPECT_FALSE(ParseQualified("busybox").ok());  // short: needs registries.conf
  EXPECT_NE(ParseQualified("quay.io/BusyBox").status().message().find("must be lowercase"),
            std::string::npos);
  EXPECT_FALSE(ParseQualified("quay.io/app:-bad").ok());
  EXPECT_FALSE(ParseQualified("quay.io/app:" + std::string(129, 'a')).ok());
  EXPECT_FALSE(ParseQualified("quay.io/app@sha256:abc").ok());
  EXPECT_FALSE(ParseQualified("quay.io/app@sha256:" + std::string(64, 'A')).ok());
  EXPECT_FALSE(ParseQualified("bad_host.io/app").ok());
  EXPECT_FALSE(ParseQualified("quay.io:port/app").ok());
  EXPECT_FALSE(ParseQualified("quay.io/" + std::string(250, 'a')).ok());
  EXPECT_FALSE(ParseQualified("quay.io/a b").ok());
  EXPECT_FALSE(ParseQualified("quay.io/../etc").ok());
}

TEST(DigestTest, ValidatesAlgorithmsAndHex) {
  EXPECT_TRUE(ValidateDigest(kDigest).ok());
  EXPECT_TRUE(ValidateDigest("sha512:" + std::string(128, '0')).ok());
  EXPECT_FALSE(ValidateDigest("sha256:" + std::string(63, 'a')).ok());
  EXPECT_FALSE(ValidateDigest("sha256").ok());
  EXPECT_FALSE(ValidateDigest(":abc").ok());
  EXPECT_FALSE(ValidateDigest("md5:" + std::string(32, 'g')).ok());
}

}  // namespace
}  // namespace crio::image
