#include "cmd/crioctl/command_io.h"

#include <chrono>

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

int ForEachId(const std::vector<std::string>& ids, const std::string& verb,
              const std::string& endpoint, const CommandIo& io,
              const std::function<grpc::Status(const std::string& id)>& call,
              const std::function<std::string(const std::string& id)>& done) {
  if (ids.empty()) return ReportError(io, verb, "no ID given");
  int exit_code = 0;
  for (const std::string& id : ids) {
    const grpc::Status status = call(id);
    if (!status.ok()) {
      exit_code = ReportRpcError(io, verb, endpoint, status);
      continue;
    }
    io.out << done(id) << "\n";
  }
  return exit_code;
}

absl::StatusOr<std::map<std::string, std::string>> ParseLabelSelector(
    const std::vector<std::string>& labels) {
  std::map<std::string, std::string> selector;
  for (const std::string& label : labels) {
    const size_t equals = label.find('=');
    if (equals == std::string::npos || equals == 0) {
      return absl::InvalidArgumentError(fmt::format("--label \"{}\" is not KEY=VALUE", label));
    }
    selector[label.substr(0, equals)] = label.substr(equals + 1);
  }
  return selector;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace crio::crioctl
