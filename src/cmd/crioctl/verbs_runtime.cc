// Verbs about the runtime itself: version, info, runtime-config.
#include <memory>
#include <optional>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

// crictl's plain-text version report.
void PrintVersionText(const v1::VersionResponse& response, const CommandIo& io) {
  io.out << "Version:  " << response.version() << "\n"
         << "RuntimeName:  " << response.runtime_name() << "\n"
         << "RuntimeVersion:  " << response.runtime_version() << "\n"
         << "RuntimeApiVersion:  " << response.runtime_api_version() << "\n";
}

// crictl's info document: {"status": ...} plus handlers, features and the verbose info.
json InfoDocument(const v1::StatusResponse& response) {
  const json whole = ProtoToJson(response);
  json info = json::object();
  info["status"] = whole.value("status", json::object());
  for (const char* key : {"runtimeHandlers", "features"}) {
    if (whole.contains(key)) info[key] = whole[key];
  }
  MergeVerboseInfo(response.info(), info);
  return info;
}

}  // namespace

int RunVersion(Client& client, const std::string& output, const CommandIo& io) {
  std::optional<OutputFormat> format;  // none: crictl's plain text
  if (!output.empty()) {
    auto parsed = ParseDocumentFormat(output);
    if (!parsed.ok()) {
      return ReportError(io, "version", std::string(AsStd(parsed.status().message())));
    }
    format = *parsed;
  }
  v1::VersionRequest request;
  request.set_version("v1");
  v1::VersionResponse response;
  const grpc::Status status =
      client.runtime().Version(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "version", client.runtime_endpoint(), status);
  if (format) {
    PrintDocument(ProtoToJson(response), *format, io);
  } else {
    PrintVersionText(response, io);
  }
  return 0;
}

int RunInfo(Client& client, const std::string& output, const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) return ReportError(io, "info", std::string(AsStd(format.status().message())));
  v1::StatusRequest request;
  request.set_verbose(true);
  v1::StatusResponse response;
  const grpc::Status status =
      client.runtime().Status(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "info", client.runtime_endpoint(), status);
  PrintDocument(InfoDocument(response), *format, io);
  return 0;
}

int RunRuntimeConfig(Client& client, const std::string& output, const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) {
    return ReportError(io, "runtime-config", std::string(AsStd(format.status().message())));
  }
  v1::RuntimeConfigResponse response;
  const grpc::Status status = client.runtime().RuntimeConfig(client.NewContext().get(),
                                                             v1::RuntimeConfigRequest(), &response);
  if (!status.ok()) return ReportRpcError(io, "runtime-config", client.runtime_endpoint(), status);
  PrintDocument(ProtoToJson(response), *format, io);
  return 0;
}

void AddRuntimeVerbs(CLI::App& app, VerbAction& chosen) {
  using Run = int (*)(Client&, const std::string&, const CommandIo&);
  auto add = [&](const std::string& name, const std::string& description, Run run) {
    auto output = std::make_shared<std::string>();
    CLI::App* command = AddVerb(
        app, name, description, chosen,
        [output, run](Client& client, const CommandIo& io) { return run(client, *output, io); });
    AddOutputOption(*command, *output, "json or yaml");
  };
  add("version", "Display runtime version information", RunVersion);
  add("info", "Display information of the container runtime", RunInfo);
  add("runtime-config", "Retrieve the container runtime configuration", RunRuntimeConfig);
}

}  // namespace crio::crioctl
