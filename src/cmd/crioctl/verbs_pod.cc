// Verbs about pod sandboxes: runp, stopp, rmp, pods, inspectp.
#include <algorithm>
#include <chrono>
#include <memory>
#include <regex>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/config_file.h"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "fmt/format.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

std::string StateName(v1::PodSandboxState state) {
  return state == v1::SANDBOX_READY ? "Ready" : "NotReady";
}

absl::StatusOr<std::vector<v1::PodSandbox>> ListPods(Client& client, const PodsOptions& options,
                                                     grpc::Status& rpc) {
  v1::ListPodSandboxRequest request;
  v1::PodSandboxFilter* filter = request.mutable_filter();
  filter->set_id(options.id);
  if (!options.state.empty()) {
    std::string state = options.state;
    std::transform(state.begin(), state.end(), state.begin(), ::tolower);
    if (state != "ready" && state != "notready") {
      return absl::InvalidArgumentError("--state must be ready or notready");
    }
    filter->mutable_state()->set_state(state == "ready" ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY);
  }
  auto selector = ParseLabelSelector(options.labels);
  if (!selector.ok()) return selector.status();
  filter->mutable_label_selector()->insert(selector->begin(), selector->end());
  v1::ListPodSandboxResponse response;
  rpc = client.runtime().ListPodSandbox(client.NewContext().get(), request, &response);
  if (!rpc.ok()) return std::vector<v1::PodSandbox>();
  std::vector<v1::PodSandbox> pods;
  const std::regex name_pattern(options.name.empty() ? ".*" : options.name);
  const std::regex namespace_pattern(options.pod_namespace.empty() ? ".*" : options.pod_namespace);
  for (const v1::PodSandbox& pod : response.items()) {
    if (!std::regex_search(pod.metadata().name(), name_pattern)) continue;
    if (!std::regex_search(pod.metadata().namespace_(), namespace_pattern)) continue;
    pods.push_back(pod);
  }
  std::sort(pods.begin(), pods.end(), [](const v1::PodSandbox& a, const v1::PodSandbox& b) {
    return a.created_at() > b.created_at();  // newest first, as crictl
  });
  if (options.latest && pods.size() > 1) pods.resize(1);
  if (options.last > 0 && pods.size() > static_cast<size_t>(options.last)) {
    pods.resize(static_cast<size_t>(options.last));
  }
  return pods;
}

}  // namespace

int RunRunPod(Client& client, const std::string& config_file, const std::string& runtime,
              const CommandIo& io) {
  v1::RunPodSandboxRequest request;
  if (auto loaded = LoadMessageFile(config_file, *request.mutable_config()); !loaded.ok()) {
    return ReportError(io, "runp", std::string(AsStd(loaded.message())));
  }
  request.set_runtime_handler(runtime);
  v1::RunPodSandboxResponse response;
  const grpc::Status status = client.runtime().RunPodSandbox(
      client.NewContext(std::chrono::minutes(5)).get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "runp", client.runtime_endpoint(), status);
  io.out << response.pod_sandbox_id() << "\n";
  return 0;
}

int RunStopPods(Client& client, const std::vector<std::string>& ids, const CommandIo& io) {
  return ForEachId(
      ids, "stopp", client.runtime_endpoint(), io,
      [&](const std::string& id) {
        v1::StopPodSandboxRequest request;
        request.set_pod_sandbox_id(id);
        v1::StopPodSandboxResponse response;
        return client.runtime().StopPodSandbox(client.NewContext(std::chrono::minutes(2)).get(),
                                               request, &response);
      },
      [](const std::string& id) { return "Stopped sandbox " + id; });
}

int RunRemovePods(Client& client, const RemovePodsOptions& options, const CommandIo& io) {
  std::vector<std::string> ids = options.ids;
  if (options.all) {
    grpc::Status rpc;
    auto pods = ListPods(client, {}, rpc);
    if (!rpc.ok()) return ReportRpcError(io, "rmp", client.runtime_endpoint(), rpc);
    for (const v1::PodSandbox& pod : *pods) ids.push_back(pod.id());
  }
  if (ids.empty()) return ReportError(io, "rmp", "no pod sandbox ID given (POD-ID... or --all)");
  int exit_code = 0;
  for (const std::string& id : ids) {
    if (!options.force) {  // crictl refuses a running pod unless forced
      v1::PodSandboxStatusRequest status_request;
      status_request.set_pod_sandbox_id(id);
      v1::PodSandboxStatusResponse status_response;
      const grpc::Status status = client.runtime().PodSandboxStatus(
          client.NewContext().get(), status_request, &status_response);
      if (status.ok() && status_response.status().state() == v1::SANDBOX_READY) {
        exit_code = ReportError(
            io, "rmp",
            fmt::format("pod sandbox {} is running, please stop it first or use --force", id));
        continue;
      }
    }
    v1::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    v1::RemovePodSandboxResponse response;
    const grpc::Status status = client.runtime().RemovePodSandbox(
        client.NewContext(std::chrono::minutes(2)).get(), request, &response);
    if (!status.ok()) {
      exit_code = ReportRpcError(io, "rmp", client.runtime_endpoint(), status);
      continue;
    }
    io.out << "Removed sandbox " << id << "\n";
  }
  return exit_code;
}

int RunPods(Client& client, const PodsOptions& options, const CommandIo& io) {
  auto format = ParseOutputFormat(options.output, OutputFormat::kTable);
  if (!format.ok()) return ReportError(io, "pods", std::string(AsStd(format.status().message())));
  grpc::Status rpc;
  auto pods = ListPods(client, options, rpc);
  if (!pods.ok()) return ReportError(io, "pods", std::string(AsStd(pods.status().message())));
  if (!rpc.ok()) return ReportRpcError(io, "pods", client.runtime_endpoint(), rpc);
  if (options.quiet) {
    for (const v1::PodSandbox& pod : *pods) io.out << pod.id() << "\n";
    return 0;
  }
  if (*format != OutputFormat::kTable) {
    json items = json::array();
    for (const v1::PodSandbox& pod : *pods) items.push_back(ProtoToJson(pod));
    PrintDocument({{"items", items}}, *format, io);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  const int64_t now = NowNs();
  for (const v1::PodSandbox& pod : *pods) {
    rows.push_back({options.no_trunc ? pod.id() : pod.id().substr(0, 13),
                    TimeAgo(pod.created_at(), now), StateName(pod.state()), pod.metadata().name(),
                    pod.metadata().namespace_(), std::to_string(pod.metadata().attempt()),
                    pod.runtime_handler().empty() ? "(default)" : pod.runtime_handler()});
  }
  io.out << ToTable({"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"},
                    rows);
  return 0;
}

int RunInspectPods(Client& client, const std::vector<std::string>& ids, const std::string& output,
                   const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) {
    return ReportError(io, "inspectp", std::string(AsStd(format.status().message())));
  }
  if (ids.empty()) return ReportError(io, "inspectp", "no pod sandbox ID given");
  int exit_code = 0;
  for (const std::string& id : ids) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    request.set_verbose(true);
    v1::PodSandboxStatusResponse response;
    const grpc::Status status =
        client.runtime().PodSandboxStatus(client.NewContext().get(), request, &response);
    if (!status.ok()) {
      exit_code = ReportRpcError(io, "inspectp", client.runtime_endpoint(), status);
      continue;
    }
    json inspected = {{"status", ProtoToJson(response.status())}};
    MergeVerboseInfo(response.info(), inspected);
    PrintDocument(inspected, *format, io);
  }
  return exit_code;
}

namespace {

void AddRunPod(CLI::App& app, VerbAction& chosen) {
  struct Run {
    std::string config;
    std::string runtime;
  };
  auto run = std::make_shared<Run>();
  CLI::App* runp = AddVerb(app, "runp", "Run a new pod sandbox", chosen,
                           [run](Client& client, const CommandIo& io) {
                             return RunRunPod(client, run->config, run->runtime, io);
                           });
  runp->add_option("POD_CONFIG", run->config, "PodSandboxConfig file, JSON or YAML")->required();
  runp->add_option("--runtime,-r", run->runtime, "Runtime handler to use");
}

void AddStopPods(CLI::App& app, VerbAction& chosen) {
  auto ids = std::make_shared<std::vector<std::string>>();
  CLI::App* stopp =
      AddVerb(app, "stopp", "Stop one or more running pods", chosen,
              [ids](Client& client, const CommandIo& io) { return RunStopPods(client, *ids, io); });
  stopp->add_option("POD-ID", *ids, "Pod sandbox IDs");
}

void AddRemovePods(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<RemovePodsOptions>();
  CLI::App* rmp = AddVerb(app, "rmp", "Remove one or more pods", chosen,
                          [options](Client& client, const CommandIo& io) {
                            return RunRemovePods(client, *options, io);
                          });
  rmp->add_option("POD-ID", options->ids, "Pod sandbox IDs");
  rmp->add_flag("--all,-a", options->all, "Remove all pods");
  rmp->add_flag("--force,-f", options->force, "Remove running pods too");
}

void AddPods(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<PodsOptions>();
  CLI::App* pods = AddVerb(
      app, "pods", "List pods", chosen,
      [options](Client& client, const CommandIo& io) { return RunPods(client, *options, io); });
  pods->add_option("--id", options->id, "Pod ID (prefix)");
  pods->add_option("--name", options->name, "Pod name regular expression");
  pods->add_option("--namespace", options->pod_namespace, "Pod namespace regular expression");
  pods->add_option("--state,-s", options->state, "ready or notready");
  pods->add_option("--label", options->labels, "KEY=VALUE label filter (repeatable)");
  pods->add_flag("--quiet,-q", options->quiet, "Only show pod IDs");
  pods->add_flag("--no-trunc", options->no_trunc, "Show full IDs");
  pods->add_flag("--latest,-l", options->latest, "Only the newest pod");
  pods->add_option("--last,-n", options->last, "Only the N newest pods");
  AddOutputOption(*pods, options->output, "table, json or yaml");
}

void AddInspectPods(CLI::App& app, VerbAction& chosen) {
  struct Inspect {
    std::vector<std::string> ids;
    std::string output;
  };
  auto inspect = std::make_shared<Inspect>();
  CLI::App* inspectp = AddVerb(app, "inspectp", "Show the status of one or more pods", chosen,
                               [inspect](Client& client, const CommandIo& io) {
                                 return RunInspectPods(client, inspect->ids, inspect->output, io);
                               });
  inspectp->add_option("POD-ID", inspect->ids, "Pod sandbox IDs");
  AddOutputOption(*inspectp, inspect->output, "json or yaml");
}

}  // namespace

void AddPodVerbs(CLI::App& app, VerbAction& chosen) {
  AddRunPod(app, chosen);
  AddStopPods(app, chosen);
  AddRemovePods(app, chosen);
  AddPods(app, chosen);
  AddInspectPods(app, chosen);
}

}  // namespace crio::crioctl
