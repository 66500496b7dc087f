// Image manifests as registries serve them: OCI image index and manifest, Docker manifest
// list and schema 2 manifest. Docker schema 1 is refused with a clear error.
//
// Parsing is pure and bounded by the caller (manifests are small; the registry client caps
// their size). SelectPlatform() picks the entry of an index for a platform, variant-aware.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/layer_unpack.h"

namespace crio::image {

namespace media_type {
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
inline constexpr char kDockerSchema1[] = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr char kDockerSchema1Signed[] =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
}  // namespace media_type

// The Accept header for manifest requests: every kind we can use.
std::string ManifestAcceptHeader();

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;

  std::string String() const;  // "linux/arm64/v8"
  bool operator==(const Platform&) const = default;
};

// The platform this process runs on, as OCI names it (linux/amd64, linux/arm64/v8, ...).
Platform HostPlatform();

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  Platform platform;  // index entries only
  std::map<std::string, std::string> annotations;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// The unpacker runs exactly the decompressor a layer's media type names.
using Compression = storage::Compression;

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

using ParsedManifest = std::variant<Index, Manifest>;

// Parses a manifest body. The kind comes from its "mediaType" field, else `content_type`
// (the HTTP header), else its shape. UNIMPLEMENTED for Docker schema 1.
absl::StatusOr<ParsedManifest> ParseManifest(std::string_view body, std::string_view content_type);

// The manifest of `index` for `want`. An empty wanted variant takes the platform's default
// (arm64 → v8, arm → v7) or an entry without one.
absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want);

// How a layer blob of `media_type` is compressed; INVALID_ARGUMENT for a non-layer type
// (and for an unknown compression: the data never chooses its decompressor).
absl::StatusOr<Compression> LayerCompression(std::string_view media_type);

}  // namespace crio::image
