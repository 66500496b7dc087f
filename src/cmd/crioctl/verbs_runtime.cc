#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "fmt/format.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

int Fail(const CommandIo& io, const std::string& verb, const absl::Status& status) {
  io.err << "crioctl: " << verb << ": " << AsStd(status.message()) << "\n";
  return 1;
}

int Print(const json& value, OutputFormat format, const CommandIo& io) {
  io.out << (format == OutputFormat::kYaml ? ToYaml(value) : ToJsonText(value));
  return 0;
}

// The structured formats a verb accepts: json by default, or yaml.
absl::StatusOr<OutputFormat> StructuredFormat(const std::string& output) {
  auto format = ParseOutputFormat(output, OutputFormat::kJson);
  if (format.ok() && *format == OutputFormat::kTable) {
    return absl::InvalidArgumentError("output format \"table\" is not supported here (json, yaml)");
  }
  return format;
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text, OutputFormat fallback) {
  if (text.empty()) return fallback;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  if (text == "table") return OutputFormat::kTable;
  return absl::InvalidArgumentError(
      fmt::format("unknown output format \"{}\" (allowed: json, yaml, table)", text));
}

int ReportRpcError(const CommandIo& io, const std::string& verb, const Client& client,
                   const grpc::Status& status) {
  io.err << "crioctl: " << verb << ": ";
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    io.err << "cannot reach " << client.options().runtime_endpoint << ": ";
  }
  io.err << DescribeRpcError(status) << "\n";
  return 1;
}

int RunVersion(Client& client, const std::string& output, const CommandIo& io) {
  OutputFormat format = OutputFormat::kTable;  // crictl's plain text
  if (!output.empty()) {
    auto parsed = StructuredFormat(output);
    if (!parsed.ok()) return Fail(io, "version", parsed.status());
    format = *parsed;
  }
  v1::VersionRequest request;
  request.set_version("v1");
  v1::VersionResponse response;
  const grpc::Status status =
      client.runtime().Version(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "version", client, status);
  if (format != OutputFormat::kTable) return Print(ProtoToJson(response), format, io);
  io.out << "Version:  " << response.version() << "\n"
         << "RuntimeName:  " << response.runtime_name() << "\n"
         << "RuntimeVersion:  " << response.runtime_version() << "\n"
         << "RuntimeApiVersion:  " << response.runtime_api_version() << "\n";
  return 0;
}

int RunInfo(Client& client, const std::string& output, const CommandIo& io) {
  auto format = StructuredFormat(output);
  if (!format.ok()) return Fail(io, "info", format.status());
  v1::StatusRequest request;
  request.set_verbose(true);
  v1::StatusResponse response;
  const grpc::Status status =
      client.runtime().Status(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "info", client, status);
  const json whole = ProtoToJson(response);
  json info = json::object();
  info["status"] = whole.value("status", json::object());
  for (const char* key : {"runtimeHandlers", "features"}) {
    if (whole.contains(key)) info[key] = whole[key];
  }
  for (const auto& [key, value] : response.info()) {
    const json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    info[key] = parsed.is_discarded() ? json(value) : parsed;
  }
  return Print(info, *format, io);
}

int RunRuntimeConfig(Client& client, const std::string& output, const CommandIo& io) {
  auto format = StructuredFormat(output);
  if (!format.ok()) return Fail(io, "runtime-config", format.status());
  v1::RuntimeConfigResponse response;
  const grpc::Status status = client.runtime().RuntimeConfig(client.NewContext().get(),
                                                             v1::RuntimeConfigRequest(), &response);
  if (!status.ok()) return ReportRpcError(io, "runtime-config", client, status);
  return Print(ProtoToJson(response), *format, io);
}

}  // namespace crio::crioctl
