#include "image/manifest.h"

#include <sys/utsname.h>

#include "fmt/format.h"
#include "image/reference.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using nlohmann::json;

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("invalid manifest: {}", why));
}

std::map<std::string, std::string> Annotations(const json& object) {
  std::map<std::string, std::string> out;
  const auto found = object.find("annotations");
  if (found == object.end() || !found->is_object()) return out;
  for (const auto& [key, value] : found->items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

std::string StringField(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

absl::StatusOr<Descriptor> ParseDescriptor(const json& object, std::string_view what) {
  if (!object.is_object()) return Invalid(fmt::format("{} is not an object", what));
  Descriptor descriptor;
  descriptor.media_type = StringField(object, "mediaType");
  descriptor.digest = StringField(object, "digest");
  if (auto valid = ValidateDigest(descriptor.digest); !valid.ok()) {
    return Invalid(fmt::format("{}: {}", what, std::string(valid.message())));
  }
  const auto size = object.find("size");
  if (size == object.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return Invalid(fmt::format("{} {} has no valid size", what, descriptor.digest));
  }
  descriptor.size = size->get<int64_t>();
  if (const auto urls = object.find("urls"); urls != object.end() && urls->is_array()) {
    for (const json& url : *urls) {
      if (url.is_string()) descriptor.urls.push_back(url.get<std::string>());
    }
  }
  if (const auto platform = object.find("platform");
      platform != object.end() && platform->is_object()) {
    descriptor.platform = {StringField(*platform, "os"), StringField(*platform, "architecture"),
                           StringField(*platform, "variant")};
  }
  descriptor.annotations = Annotations(object);
  return descriptor;
}

absl::StatusOr<Index> ParseIndex(const json& body, std::string media_type) {
  Index index{.media_type = std::move(media_type), .manifests = {}};
  const auto manifests = body.find("manifests");
  if (manifests == body.end() || !manifests->is_array()) return Invalid("index without manifests");
  for (const json& entry : *manifests) {
    auto descriptor = ParseDescriptor(entry, "index entry");
    if (!descriptor.ok()) return descriptor.status();
    index.manifests.push_back(std::move(*descriptor));
  }
  return index;
}

absl::StatusOr<Manifest> ParseImageManifest(const json& body, std::string media_type) {
  Manifest manifest{.media_type = std::move(media_type),
                    .config = {},
                    .layers = {},
                    .annotations = Annotations(body)};
  const auto config = body.find("config");
  if (config == body.end()) return Invalid("manifest without config");
  auto parsed_config = ParseDescriptor(*config, "config");
  if (!parsed_config.ok()) return parsed_config.status();
  manifest.config = std::move(*parsed_config);
  const auto layers = body.find("layers");
  if (layers == body.end() || !layers->is_array()) return Invalid("manifest without layers");
  for (const json& layer : *layers) {
    auto descriptor = ParseDescriptor(layer, "layer");
    if (!descriptor.ok()) return descriptor.status();
    if (auto compression = LayerCompression(descriptor->media_type); !compression.ok()) {
      return compression.status();
    }
    manifest.layers.push_back(std::move(*descriptor));
  }
  return manifest;
}

// The variant an OCI platform has when none is written down.
std::string DefaultVariant(std::string_view architecture) {
  if (architecture == "arm64") return "v8";
  if (architecture == "arm") return "v7";
  return "";
}

}  // namespace

std::string ManifestAcceptHeader() {
  return fmt::format("{}, {}, {}, {}", media_type::kOciIndex, media_type::kOciManifest,
                     media_type::kDockerList, media_type::kDockerManifest);
}

std::string Platform::String() const {
  return variant.empty() ? fmt::format("{}/{}", os, architecture)
                         : fmt::format("{}/{}/{}", os, architecture, variant);
}

Platform HostPlatform() {
  utsname name{};
  uname(&name);
  const std::string_view machine = name.machine;
  if (machine == "aarch64" || machine == "arm64") return {"linux", "arm64", "v8"};
  if (machine.starts_with("armv7")) return {"linux", "arm", "v7"};
  if (machine.starts_with("armv6")) return {"linux", "arm", "v6"};
  if (machine == "i686" || machine == "i386") return {"linux", "386", ""};
  if (machine == "ppc64le" || machine == "s390x" || machine == "riscv64") {
    return {"linux", std::string(machine), ""};
  }
  return {"linux", "amd64", ""};
}

absl::StatusOr<ParsedManifest> ParseManifest(std::string_view body, std::string_view content_type) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return Invalid("not a JSON object");
  std::string type = StringField(parsed, "mediaType");
  if (type.empty()) type = std::string(content_type.substr(0, content_type.find(';')));
  const auto schema = parsed.find("schemaVersion");
  if (type == media_type::kDockerSchema1 || type == media_type::kDockerSchema1Signed ||
      (schema != parsed.end() && *schema == 1)) {
    return absl::UnimplementedError(
        "Docker image manifest schema 1 is not supported; push the image with schema 2 or OCI");
  }
  if (type == media_type::kOciIndex || type == media_type::kDockerList) {
    return ParseIndex(parsed, type);
  }
  if (type == media_type::kOciManifest || type == media_type::kDockerManifest) {
    return ParseImageManifest(parsed, type);
  }
  // OCI allows leaving mediaType out; then the shape tells.
  if (parsed.contains("manifests")) return ParseIndex(parsed, media_type::kOciIndex);
  if (parsed.contains("config") && parsed.contains("layers")) {
    return ParseImageManifest(parsed, media_type::kOciManifest);
  }
  return Invalid(fmt::format("unsupported manifest type \"{}\"", type));
}

absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want) {
  const std::string want_variant =
      want.variant.empty() ? DefaultVariant(want.architecture) : want.variant;
  const Descriptor* fallback = nullptr;
  for (const Descriptor& entry : index.manifests) {
    const Platform& have = entry.platform;
    if (have.os != want.os || have.architecture != want.architecture) continue;
    const std::string have_variant =
        have.variant.empty() ? DefaultVariant(have.architecture) : have.variant;
    if (have_variant == want_variant) return entry;
    // An amd64 image that names a microarchitecture level still runs where none was asked.
    if (want.variant.empty() && want_variant.empty() && fallback == nullptr) fallback = &entry;
  }
  if (fallback != nullptr) return *fallback;
  std::string available;
  for (const Descriptor& entry : index.manifests) {
    available += (available.empty() ? "" : ", ") + entry.platform.String();
  }
  return absl::NotFoundError(
      fmt::format("no image for platform {} in the manifest list "
                  "(available: {})",
                  want.String(), available.empty() ? "none" : available));
}

absl::StatusOr<Compression> LayerCompression(std::string_view media_type) {
  constexpr std::pair<std::string_view, Compression> kTypes[] = {
      {"application/vnd.oci.image.layer.v1.tar", Compression::kNone},
      {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::kGzip},
      {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::kZstd},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::kNone},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::kZstd},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::kNone},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::kGzip},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar", Compression::kNone},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip},
  };
  for (const auto& [type, compression] : kTypes) {
    if (media_type == type) return compression;
  }
  return absl::InvalidArgumentError(
      fmt::format("invalid manifest: unsupported layer media type \"{}\"", media_type));
}

}  // namespace crio::image
