#include "image/auth.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

TEST(Base64Test, RoundTrips) {
  const std::vector<std::string> texts = {
      "", "a", "ab", "abc", "user:pass word", std::string("\0\xff", 2)};
  for (const std::string& text : texts) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text) << text;
  }
  EXPECT_EQ(Base64Encode("alice:s3cret"), "YWxpY2U6czNjcmV0");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a*b=").has_value());
}

TEST(AuthConfigTest, AuthFieldWinsOverUsernamePassword) {
  auto credentials = FromAuthConfig("bob", "pw", Base64Encode("alice:s3cret"), "", "");
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->username, "alice");
  EXPECT_EQ(credentials->password, "s3cret");
  credentials = FromAuthConfig("bob", "pw", "", "", "tok");
  EXPECT_EQ(credentials->username, "bob");
  EXPECT_EQ(credentials->registry_token, "tok");
  EXPECT_FALSE(FromAuthConfig("", "", Base64Encode("nocolon"), "", "").ok());
  EXPECT_TRUE(FromAuthConfig("", "", "", "", "")->empty());
}

TEST(AuthFileTest, MostSpecificKeyWinsAndDockerLegacyKeyWorks) {
  auto file = AuthFile::Parse(R"({"auths": {
      "registry.example.com": {"auth": ")" +
                                  Base64Encode("host:1") + R"("},
      "registry.example.com/team": {"auth": ")" +
                                  Base64Encode("team:2") + R"("},
      "https://index.docker.io/v1/": {"auth": ")" +
                                  Base64Encode("hub:3") + R"("},
      "tokens.io": {"identitytoken": "refresh"}}})",
                              "auth.json");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->Find(*ParseQualified("registry.example.com/team/app:1"))->username, "team");
  EXPECT_EQ(file->Find(*ParseQualified("registry.example.com/other:1"))->username, "host");
  EXPECT_EQ(file->Find(*ParseWithDefaultDomain("busybox", "docker.io"))->password, "3");
  EXPECT_EQ(file->Find(*ParseQualified("tokens.io/x:1"))->identity_token, "refresh");
  EXPECT_FALSE(file->Find(*ParseQualified("quay.io/x:1")).has_value());
}

TEST(AuthFileTest, MissingFileIsEmptyAndBadEntriesAreErrors) {
  testing::TempDir dir;
  auto file = AuthFile::Load(dir.Join("auth.json"));
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(file->Find(*ParseQualified("quay.io/x:1")).has_value());
  EXPECT_FALSE(AuthFile::Parse(R"({"auths": {"x.io": {"auth": "!!"}}})", "a.json").ok());
  EXPECT_FALSE(AuthFile::Parse("[]", "a.json").ok());
}

TEST(ChallengeTest, ParsesBearerAndBasic) {
  auto bearer = ParseChallenge(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull")");
  ASSERT_TRUE(bearer.ok()) << bearer.status();
  EXPECT_EQ(bearer->scheme, "bearer");
  EXPECT_EQ(bearer->params.at("realm"), "https://auth.example.com/token");
  EXPECT_EQ(bearer->params.at("service"), "registry.example.com");
  EXPECT_EQ(bearer->params.at("scope"), "repository:a/b:pull");

  auto basic = ParseChallenge(R"(Basic realm="Registry Realm")");
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->scheme, "basic");
  EXPECT_EQ(basic->params.at("realm"), "Registry Realm");

  auto spaced = ParseChallenge(R"(bearer realm = "r\"q" , error=invalid_token)");
  ASSERT_TRUE(spaced.ok()) << spaced.status();
  EXPECT_EQ(spaced->params.at("realm"), "r\"q");
  EXPECT_EQ(spaced->params.at("error"), "invalid_token");

  EXPECT_FALSE(ParseChallenge("").ok());
  EXPECT_FALSE(ParseChallenge(R"(Bearer realm="unterminated)").ok());
  EXPECT_FALSE(ParseChallenge("Bearer =novalue").ok());
}

}  // namespace
}  // namespace crio::image
