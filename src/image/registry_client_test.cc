#include "image/registry_client.h"

#include "gtest/gtest.h"
#include "image/digest.h"
#include "testing/fake_http_transport.h"

namespace crio::image {
namespace {

using testing::FakeTransport;

HttpResponse Ok(std::string body, std::string content_type = "") {
  return {.status = 200, .headers = {{"content-type", content_type}}, .body = std::move(body)};
}
HttpResponse Unauthorized(std::string challenge) {
  return {.status = 401, .headers = {{"www-authenticate", std::move(challenge)}}, .body = ""};
}

PullSource Source(const std::string& reference, bool insecure = false) {
  return {*ParseQualified(reference), insecure, false};
}

constexpr char kManifestUrl[] = "https://reg.example/v2/team/app/manifests/1.0";
constexpr char kBody[] = R"({"schemaVersion":2})";

class RegistryClientTest : public ::testing::Test {
 protected:
  FakeTransport http_;
  RegistryClient client_{http_, "/etc/containers/certs.d"};
};

TEST_F(RegistryClientTest, AnonymousManifestWithAcceptHeaderAndCaDir) {
  http_.Script(kManifestUrl, Ok(kBody, "application/vnd.oci.image.manifest.v1+json"));
  auto manifest = client_.FetchManifest(Source("reg.example/team/app:1.0"), {});
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->body, kBody);
  EXPECT_EQ(manifest->digest, Sha256Digest(kBody));
  EXPECT_EQ(manifest->content_type, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].headers[0].first, "Accept");
  EXPECT_NE(http_.requests[0].headers[0].second.find("application/vnd.oci.image.index.v1+json"),
            std::string::npos);
  EXPECT_EQ(http_.requests[0].ca_dir, "/etc/containers/certs.d/reg.example");
  EXPECT_TRUE(http_.requests[0].verify_tls);
}

TEST_F(RegistryClientTest, BearerChallengeFetchesATokenWithCredentialsAndCachesIt) {
  http_.Script(
      kManifestUrl,
      Unauthorized(
          R"(Bearer realm="https://auth.example/token",service="reg.example",scope="repository:team/app:pull")"));
  http_.Script(kManifestUrl, Ok(kBody));
  http_.Script(
      "https://auth.example/token?service=reg.example&scope=repository%3Ateam%2Fapp%3Apull",
      Ok(R"({"token":"t0k"})"));
  const Credentials alice{
      .username = "alice", .password = "pw", .identity_token = "", .registry_token = ""};
  ASSERT_TRUE(client_.FetchManifest(Source("reg.example/team/app:1.0"), alice).ok());
  ASSERT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(http_.AuthorizationOf(0), "");
  EXPECT_EQ(http_.AuthorizationOf(1), "Basic " + Base64Encode("alice:pw"));  // token request
  EXPECT_EQ(http_.AuthorizationOf(2), "Bearer t0k");
  // The token is reused: one request, no challenge.
  ASSERT_TRUE(client_.FetchManifest(Source("reg.example/team/app:1.0"), alice).ok());
  ASSERT_EQ(http_.requests.size(), 4u);
  EXPECT_EQ(http_.AuthorizationOf(3), "Bearer t0k");
}

TEST_F(RegistryClientTest, BasicChallengeNeedsCredentials) {
  http_.Script(kManifestUrl, Unauthorized(R"(Basic realm="registry")"));
  auto anonymous = client_.FetchManifest(Source("reg.example/team/app:1.0"), {});
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);

  http_.Script(kManifestUrl, Ok(kBody));
  const Credentials bob{
      .username = "bob", .password = "x", .identity_token = "", .registry_token = ""};
  ASSERT_TRUE(client_.FetchManifest(Source("reg.example/team/app:1.0"), bob).ok());
  EXPECT_EQ(http_.AuthorizationOf(http_.requests.size() - 1), "Basic " + Base64Encode("bob:x"));
}

TEST_F(RegistryClientTest, RegistryTokenIsSentAsIs) {
  http_.Script(kManifestUrl, Ok(kBody));
  const Credentials token{
      .username = "", .password = "", .identity_token = "", .registry_token = "given"};
  ASSERT_TRUE(client_.FetchManifest(Source("reg.example/team/app:1.0"), token).ok());
  EXPECT_EQ(http_.AuthorizationOf(0), "Bearer given");
}

TEST_F(RegistryClientTest, ManifestByDigestMustMatch) {
  const std::string digest = Sha256Digest(kBody);
  http_.Script("https://reg.example/v2/team/app/manifests/" + digest, Ok(kBody));
  EXPECT_TRUE(client_.FetchManifest(Source("reg.example/team/app@" + digest), {}).ok());
  const std::string other = Sha256Digest("other");
  http_.Script("https://reg.example/v2/team/app/manifests/" + other, Ok(kBody));
  EXPECT_EQ(client_.FetchManifest(Source("reg.example/team/app:1.0"), {}, other).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(RegistryClientTest, ErrorsCarryTheRegistrysExplanation) {
  http_.Script(
      kManifestUrl,
      HttpResponse{
          .status = 404,
          .headers = {},
          .body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"});
  auto missing = client_.FetchManifest(Source("reg.example/team/app:1.0"), {});
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("MANIFEST_UNKNOWN: manifest unknown"),
            std::string::npos)
      << missing.status();
}

TEST_F(RegistryClientTest, BlobsAreVerifiedWhileStreaming) {
  const std::string content = "layer bytes, in chunks";
  const Descriptor blob{.media_type = "",
                        .digest = Sha256Digest(content),
                        .size = static_cast<int64_t>(content.size()),
                        .urls = {},
                        .platform = {},
                        .annotations = {}};
  http_.Script("https://reg.example/v2/team/app/blobs/" + blob.digest, Ok(content));
  std::string received;
  const BodySink sink = [&](std::string_view chunk) {
    received.append(chunk);
    return absl::OkStatus();
  };
  ASSERT_TRUE(client_.FetchBlob(Source("reg.example/team/app:1.0"), blob, {}, sink).ok());
  EXPECT_EQ(received, content);

  Descriptor wrong_size = blob;
  wrong_size.size = 5;
  EXPECT_EQ(client_.FetchBlob(Source("reg.example/team/app:1.0"), wrong_size, {}, sink).code(),
            absl::StatusCode::kDataLoss);
  Descriptor wrong_digest = blob;
  wrong_digest.digest = Sha256Digest("something else");
  http_.Script("https://reg.example/v2/team/app/blobs/" + wrong_digest.digest, Ok(content));
  EXPECT_EQ(client_.FetchBlob(Source("reg.example/team/app:1.0"), wrong_digest, {}, sink).code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(RegistryClientTest, InsecureRegistriesFallBackToPlainHttp) {
  http_.Fail("https://reg.example:5000/v2/app/manifests/latest");
  http_.Script("http://reg.example:5000/v2/app/manifests/latest", Ok(kBody));
  ASSERT_TRUE(client_.FetchManifest(Source("reg.example:5000/app", true), {}).ok());
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_FALSE(http_.requests[0].verify_tls);
  // A secure registry never falls back.
  EXPECT_EQ(client_.FetchManifest(Source("reg.example:5000/app"), {}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(RegistryHostTest, DockerHubIsServedByRegistryOne) {
  EXPECT_EQ(RegistryHost("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(RegistryHost("quay.io"), "quay.io");
}

}  // namespace
}  // namespace crio::image
