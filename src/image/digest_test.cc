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

TEST(LayerIdsTest, AreTheIdsContainersImageGives) {
  // A two-layer image skopeo 1.9.3 copied into containers/storage on this machine.
  const std::vector<std::string> ids = LayerIds(
      {"sha256:ded90182cc8e2fcfcbf2ec0a5ce4f85a4a59d135499f621725c4dd6cff4e3114",
       "sha256:80a59d7eeba835b9a51e4cb88f1a7db028cd9a7a838f08177f41fb18da49231a"});
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], "ded90182cc8e2fcfcbf2ec0a5ce4f85a4a59d135499f621725c4dd6cff4e3114");
  EXPECT_EQ(ids[1], "77553bcddb8c3bbcc5aaa9da59c6021b28005ac57bc9d115c7a03ca51db69c47");
  EXPECT_TRUE(LayerIds({}).empty());
}

}  // namespace
}  // namespace crio::image
