#include "image/manifest.h"

#include "fmt/format.h"
#include "gtest/gtest.h"

namespace crio::image {
namespace {

std::string Digest(char c) { return "sha256:" + std::string(64, c); }

std::string IndexJson(const std::string& media_type) {
  return fmt::format(R"({{"schemaVersion":2,"mediaType":"{}","manifests":[
    {{"mediaType":"{}","digest":"{}","size":10,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}},
    {{"mediaType":"{}","digest":"{}","size":11,"platform":{{"os":"linux","architecture":"amd64"}}}},
    {{"mediaType":"{}","digest":"{}","size":12,"platform":{{"os":"linux","architecture":"arm","variant":"v6"}}}}]}})",
                     media_type, media_type::kOciManifest, Digest('a'), media_type::kOciManifest,
                     Digest('b'), media_type::kOciManifest, Digest('c'));
}

TEST(ManifestTest, ParsesOciAndDockerIndexes) {
  for (const char* type : {media_type::kOciIndex, media_type::kDockerList}) {
    auto parsed = ParseManifest(IndexJson(type), "");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    const Index& index = std::get<Index>(*parsed);
    EXPECT_EQ(index.media_type, type);
    ASSERT_EQ(index.manifests.size(), 3u);
    EXPECT_EQ(index.manifests[0].platform, (Platform{"linux", "arm64", "v8"}));
    EXPECT_EQ(index.manifests[1].size, 11);
  }
}

TEST(ManifestTest, ParsesDockerSchema2WithLayers) {
  const std::string body = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":1469}},
      "layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"{}","size":2000}},
                {{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"{}","size":3000}}]}})",
      media_type::kDockerManifest, media_type::kDockerConfig, Digest('c'), Digest('d'),
      Digest('e'));
  auto parsed = ParseManifest(body, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Manifest& manifest = std::get<Manifest>(*parsed);
  EXPECT_EQ(manifest.config.digest, Digest('c'));
  ASSERT_EQ(manifest.layers.size(), 2u);
  EXPECT_EQ(*LayerCompression(manifest.layers[0].media_type), Compression::kGzip);
  EXPECT_EQ(*LayerCompression(manifest.layers[1].media_type), Compression::kZstd);
}

TEST(ManifestTest, LayerCompressionComesFromTheMediaTypeAlone) {
  const std::pair<std::string_view, Compression> kKnown[] = {
      {"application/vnd.oci.image.layer.v1.tar", Compression::kNone},
      {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::kGzip},
      {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::kZstd},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::kNone},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::kGzip},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar", Compression::kNone},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip},
  };
  for (const auto& [type, compression] : kKnown) {
    auto found = LayerCompression(type);
    ASSERT_TRUE(found.ok()) << type << ": " << found.status();
    EXPECT_EQ(*found, compression) << type;
  }
  // Compressions crio does not decompress, and types that are not layers, are refused: no
  // sniffing the data for something that might do.
  for (const std::string_view type : {"application/vnd.oci.image.layer.v1.tar+bzip2",
                                      "application/vnd.oci.image.layer.v1.tar+lz4",
                                      "application/x-lrzip", "application/octet-stream", ""}) {
    auto found = LayerCompression(type);
    EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument) << type;
    EXPECT_NE(found.status().message().find("unsupported layer media type"), std::string::npos);
  }
}

TEST(ManifestTest, OciWithoutMediaTypeIsKnownByShapeOrHeader) {
  const std::string body = fmt::format(
      R"({{"schemaVersion":2,"config":{{"mediaType":"{}","digest":"{}","size":5}},"layers":[],
      "annotations":{{"org.opencontainers.image.title":"x"}}}})",
      media_type::kOciConfig, Digest('f'));
  auto parsed = ParseManifest(body, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(std::get<Manifest>(*parsed).media_type, media_type::kOciManifest);
  EXPECT_EQ(std::get<Manifest>(*parsed).annotations.at("org.opencontainers.image.title"), "x");
  parsed = ParseManifest(body, std::string(media_type::kDockerManifest) + "; charset=utf-8");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<Manifest>(*parsed).media_type, media_type::kDockerManifest);
}

TEST(ManifestTest, SchemaOneIsUnsupported) {
  auto parsed = ParseManifest(R"({"schemaVersion":1,"name":"x","fsLayers":[]})", "");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(parsed.status().message().find("schema 1"), std::string::npos);
  EXPECT_EQ(ParseManifest("{}", media_type::kDockerSchema1Signed).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(ManifestTest, RejectsMalformedManifests) {
  EXPECT_FALSE(ParseManifest("not json", "").ok());
  EXPECT_FALSE(ParseManifest("[]", "").ok());
  EXPECT_FALSE(ParseManifest(R"({"mediaType":"application/x-unknown"})", "").ok());
  const std::string bad_digest =
      fmt::format(R"({{"mediaType":"{}","config":{{"digest":"sha256:zz","size":1}},"layers":[]}})",
                  media_type::kOciManifest);
  EXPECT_FALSE(ParseManifest(bad_digest, "").ok());
  const std::string no_size =
      fmt::format(R"({{"mediaType":"{}","config":{{"digest":"{}"}},"layers":[]}})",
                  media_type::kOciManifest, Digest('a'));
  EXPECT_FALSE(ParseManifest(no_size, "").ok());
  const std::string bad_layer = fmt::format(
      R"({{"mediaType":"{}","config":{{"digest":"{}","size":1}},"layers":[{{"mediaType":"text/plain","digest":"{}","size":1}}]}})",
      media_type::kOciManifest, Digest('a'), Digest('b'));
  EXPECT_NE(ParseManifest(bad_layer, "").status().message().find("text/plain"), std::string::npos);
}

TEST(PlatformTest, SelectsByOsArchitectureAndVariant) {
  const Index index = std::get<Index>(*ParseManifest(IndexJson(media_type::kOciIndex), ""));
  EXPECT_EQ(SelectPlatform(index, {"linux", "amd64", ""})->digest, Digest('b'));
  EXPECT_EQ(SelectPlatform(index, {"linux", "arm64", ""})->digest, Digest('a'));  // v8 default
  EXPECT_EQ(SelectPlatform(index, {"linux", "arm", "v6"})->digest, Digest('c'));
  auto missing = SelectPlatform(index, {"linux", "arm", "v7"});
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("linux/arm/v7"), std::string::npos);
  EXPECT_NE(missing.status().message().find("linux/arm64/v8, linux/amd64, linux/arm/v6"),
            std::string::npos);
  EXPECT_FALSE(SelectPlatform(index, {"windows", "amd64", ""}).ok());
}

TEST(PlatformTest, HostIsLinux) {
  EXPECT_EQ(HostPlatform().os, "linux");
  EXPECT_FALSE(HostPlatform().architecture.empty());
}

}  // namespace
}  // namespace crio::image
