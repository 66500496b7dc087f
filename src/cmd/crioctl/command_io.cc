#include "cmd/crioctl/command_io.h"

#include "cmd/crioctl/client.h"
#include "fmt/format.h"

namespace crio::crioctl {

using nlohmann::json;

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text, OutputFormat fallback) {
  if (text.empty()) return fallback;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  if (text == "table") return OutputFormat::kTable;
  if (text == "go-template") {
    return absl::InvalidArgumentError("output format \"go-template\" is not supported by crioctl");
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown output format \"{}\" (allowed: json, yaml, table)", text));
}

absl::StatusOr<OutputFormat> ParseDocumentFormat(const std::string& text) {
  auto format = ParseOutputFormat(text, OutputFormat::kJson);
  if (format.ok() && *format == OutputFormat::kTable) {
    return absl::InvalidArgumentError(
        "output format \"table\" is not supported here (allowed: json, yaml)");
  }
  return format;
}

int ReportError(const CommandIo& io, const std::string& verb, const std::string& message) {
  io.err << "crioctl: " << verb << ": " << message << "\n";
  return 1;
}

int ReportRpcError(const CommandIo& io, const std::string& verb, const std::string& endpoint,
                   const grpc::Status& status) {
  std::string message = DescribeRpcError(status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    message = fmt::format("cannot reach {}: {}", endpoint, message);
  }
  return ReportError(io, verb, message);
}

void PrintDocument(const json& value, OutputFormat format, const CommandIo& io) {
  io.out << (format == OutputFormat::kYaml ? ToYaml(value) : ToJsonText(value));
}

void MergeVerboseInfo(const google::protobuf::Map<std::string, std::string>& info, json& into) {
  for (const auto& [key, value] : info) {
    const json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    into[key] = parsed.is_discarded() ? json(value) : parsed;
  }
}

}  // namespace crio::crioctl
