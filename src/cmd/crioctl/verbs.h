// crioctl's verbs. Each runs against a Client, writes its result to `io.out` and errors to
// `io.err` ("crioctl: VERB: ..."), and returns the process exit code. Later features add
// their verb groups beside verbs_runtime.cc.
#pragma once

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "cmd/crioctl/client.h"
#include "cmd/crioctl/output.h"

namespace crio::crioctl {

struct CommandIo {
  std::ostream& out;
  std::ostream& err;
};

// Parses -o: "json", "yaml" or "table"; empty gives `fallback`.
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text, OutputFormat fallback);

// Prints a failed call as crictl does and returns 1.
int ReportRpcError(const CommandIo& io, const std::string& verb, const Client& client,
                   const grpc::Status& status);

// version: text like crictl ("Version:  0.1.0" ...), or json/yaml with -o.
int RunVersion(Client& client, const std::string& output, const CommandIo& io);
// info: the runtime's status and verbose info, json (default) or yaml.
int RunInfo(Client& client, const std::string& output, const CommandIo& io);
// runtime-config: the runtime's cgroup driver, json (default) or yaml.
int RunRuntimeConfig(Client& client, const std::string& output, const CommandIo& io);

}  // namespace crio::crioctl
