#include "image/digest.h"

#include "gtest/gtest.h"

namespace crio::image {
namespace {

constexpr char kEmpty[] = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Digest(""), kEmpty);
  EXPECT_EQ(Sha256Digest("abc"), kAbc);
}

TEST(Sha256Test, StreamingEqualsOneShot) {
  Sha256 hash;
  hash.Update("a");
  hash.Update("");
  hash.Update("bc");
  EXPECT_EQ(hash.Finish(), kAbc);
}

TEST(VerifyBlobTest, SizeAndDigestMustMatch) {
  EXPECT_TRUE(VerifyBlob("abc", kAbc, 3).ok());
  EXPECT_EQ(VerifyBlob("abd", kAbc, 3).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyBlob("abc", kAbc, 4).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyBlob("abc", "sha512:00", 3).code(), absl::StatusCode::kUnimplemented);
}

TEST(ChainIdsTest, FollowsTheOciDefinition) {
  const std::string a = Sha256Digest("layer a");
  const std::string b = Sha256Digest("layer b");
  const std::vector<std::string> chain = ChainIds({a, b, a});
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0], a);
  EXPECT_EQ(chain[1], Sha256Digest(a + " " + b));
  EXPECT_EQ(chain[2], Sha256Digest(chain[1] + " " + a));
  EXPECT_TRUE(ChainIds({}).empty());
}

}  // namespace
}  // namespace crio::image
