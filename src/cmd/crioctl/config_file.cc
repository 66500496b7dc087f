#include "cmd/crioctl/config_file.h"

#include "common/read_file.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace crio::crioctl {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxConfigBytes = 4 << 20;

// YAML scalars stay strings unless they read as a number or boolean: protobuf's JSON
// parser accepts numbers as strings too, but not booleans.
json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& pair : node) object[pair.first.as<std::string>()] = YamlToJson(pair.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) array.push_back(YamlToJson(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      const std::string text = node.Scalar();
      if (node.Tag() != "!") {  // unquoted
        if (text == "true" || text == "false") return text == "true";
        json number = json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (number.is_number()) return number;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

absl::StatusOr<json> ParseDocument(const std::string& text, const std::string& path) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) return parsed;
  try {
    const json converted = YamlToJson(YAML::Load(text));
    if (converted.is_object()) return converted;
  } catch (const YAML::Exception& error) {
    return absl::InvalidArgumentError(
        fmt::format("{}: neither JSON nor YAML: {}", path, error.what()));
  }
  return absl::InvalidArgumentError(fmt::format("{}: not a JSON or YAML object", path));
}

}  // namespace

absl::Status LoadMessageFile(const std::string& path, google::protobuf::Message& message) {
  auto text = ReadFileToString(path, kMaxConfigBytes);
  if (!text.ok()) {
    return absl::InvalidArgumentError(std::string(AsStd(text.status().message())));
  }
  auto document = ParseDocument(*text, path);
  if (!document.ok()) return document.status();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(document->dump(), &message, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", path, std::string(parsed.message().data(), parsed.message().size())));
  }
  return absl::OkStatus();
}

}  // namespace crio::crioctl
