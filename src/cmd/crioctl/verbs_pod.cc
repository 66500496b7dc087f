// Verbs about pod sandboxes: runp, stopp, rmp, pods, inspectp, each as crictl v1.26's verb
// of the same name does it.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
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

// What crictl asks the runtime to match: ID prefix, state and labels.
absl::StatusOr<v1::PodSandboxFilter> ServerFilter(const PodsOptions& options) {
  v1::PodSandboxFilter filter;
  filter.set_id(options.id);
  if (!options.state.empty()) {
    std::string state = options.state;
    std::transform(state.begin(), state.end(), state.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (state != "ready" && state != "notready") {
      return absl::InvalidArgumentError("--state should be ready or notready");
    }
    filter.mutable_state()->set_state(state == "ready" ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY);
  }
  auto selector = ParseLabelSelector(options.labels);
  if (!selector.ok()) return selector.status();
  filter.mutable_label_selector()->insert(selector->begin(), selector->end());
  return filter;
}

grpc::Status ListPods(Client& client, const v1::PodSandboxFilter& filter,
                      v1::ListPodSandboxResponse& response) {
  v1::ListPodSandboxRequest request;
  *request.mutable_filter() = filter;
  return client.runtime().ListPodSandbox(client.NewContext().get(), request, &response);
}

// crictl's getSandboxesList: the name and namespace patterns, newest first, then --latest
// (one) or --last N (N, winning over --latest).
std::vector<v1::PodSandbox> SelectPods(const v1::ListPodSandboxResponse& listed,
                                       const PodsOptions& options) {
  const RegexFilter name(options.name);
  const RegexFilter pod_namespace(options.pod_namespace);
  std::vector<v1::PodSandbox> pods;
  for (const v1::PodSandbox& pod : listed.items()) {
    if (name.Matches(pod.metadata().name()) && pod_namespace.Matches(pod.metadata().namespace_())) {
      pods.push_back(pod);
    }
  }
  std::stable_sort(pods.begin(), pods.end(), [](const v1::PodSandbox& a, const v1::PodSandbox& b) {
    return a.created_at() > b.created_at();
  });
  size_t keep = pods.size();
  if (options.latest) keep = 1;
  if (options.last > 0) keep = static_cast<size_t>(options.last);
  if (keep < pods.size()) pods.resize(keep);
  return pods;
}

void PrintPodsTable(const std::vector<v1::PodSandbox>& pods, bool no_trunc, const CommandIo& io) {
  std::vector<std::vector<std::string>> rows;
  const int64_t now = NowNs();
  for (const v1::PodSandbox& pod : pods) {
    rows.push_back({no_trunc ? pod.id() : pod.id().substr(0, 13), TimeAgo(pod.created_at(), now),
                    StateName(pod.state()), pod.metadata().name(), pod.metadata().namespace_(),
                    std::to_string(pod.metadata().attempt()),
                    pod.runtime_handler().empty() ? "(default)" : pod.runtime_handler()});
  }
  io.out << ToTable({"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"},
                    rows);
}

grpc::Status StopPod(Client& client, const std::string& id) {
  v1::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  v1::StopPodSandboxResponse response;
  return client.runtime().StopPodSandbox(client.NewContext(std::chrono::minutes(2)).get(), request,
                                         &response);
}

grpc::Status PodStatus(Client& client, const std::string& id, bool verbose,
                       v1::PodSandboxStatusResponse& response) {
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  request.set_verbose(verbose);
  return client.runtime().PodSandboxStatus(client.NewContext().get(), request, &response);
}

// ReportRpcError prefixes "crioctl: VERB: "; these name the step and the pod after the verb,
// as crictl's messages do: rmp: removing the pod sandbox "ID": rpc error: ...
std::string Context(const std::string& verb, const std::string& step, const std::string& id) {
  return fmt::format("{}: {} \"{}\"", verb, step, id);
}

// One pod of rmp, as crictl: its state first; a READY pod is stopped when forced, else
// refused; then it is removed. Returns the exit code.
int RemovePod(Client& client, const std::string& id, bool force, const CommandIo& io) {
  const std::string& endpoint = client.runtime_endpoint();
  v1::PodSandboxStatusResponse status;
  grpc::Status rpc = PodStatus(client, id, /*verbose=*/false, status);
  if (!rpc.ok()) {
    return ReportRpcError(io, Context("rmp", "getting sandbox status of pod", id), endpoint, rpc);
  }
  if (status.status().state() == v1::SANDBOX_READY) {
    if (!force) {
      return ReportError(io, "rmp",
                         fmt::format("pod sandbox \"{}\" is running, please stop it first", id));
    }
    rpc = StopPod(client, id);
    if (!rpc.ok()) {
      return ReportRpcError(io, Context("rmp", "stopping the pod sandbox", id) + " failed",
                            endpoint, rpc);
    }
    io.out << "Stopped sandbox " << id << "\n";
  }
  v1::RemovePodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  v1::RemovePodSandboxResponse response;
  rpc = client.runtime().RemovePodSandbox(client.NewContext(std::chrono::minutes(2)).get(), request,
                                          &response);
  if (!rpc.ok()) {
    return ReportRpcError(io, Context("rmp", "removing the pod sandbox", id), endpoint, rpc);
  }
  io.out << "Removed sandbox " << id << "\n";
  return 0;
}

// Go's time.RFC3339Nano in local time, as crictl's inspectp shows createdAt:
// "2024-05-01T10:00:00.5+02:00" (the fraction without trailing zeros, "Z" at UTC).
std::string Rfc3339Nano(int64_t ns) {
  constexpr int64_t kNsPerSecond = 1'000'000'000;
  int64_t seconds = ns / kNsPerSecond;
  int64_t nanos = ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --seconds;
  }
  const auto when = static_cast<time_t>(seconds);
  struct tm local {};
  if (localtime_r(&when, &local) == nullptr) return std::to_string(ns);
  std::string text =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", local.tm_year + 1900, local.tm_mon + 1,
                  local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
  if (nanos != 0) {
    std::string fraction = fmt::format("{:09}", nanos);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    text += "." + fraction;
  }
  if (local.tm_gmtoff == 0) return text + "Z";
  const long minutes = std::labs(local.tm_gmtoff) / 60;
  return text +
         fmt::format("{}{:02}:{:02}", local.tm_gmtoff < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

// One pod of inspectp: crictl's {"status": ..., INFO-KEY: ...} document. Returns the exit
// code.
int InspectPod(Client& client, const std::string& id, bool quiet, OutputFormat format,
               const CommandIo& io) {
  v1::PodSandboxStatusResponse response;
  const grpc::Status rpc = PodStatus(client, id, /*verbose=*/!quiet, response);
  if (!rpc.ok()) {
    return ReportRpcError(io, Context("inspectp", "getting the pod sandbox status for", id),
                          client.runtime_endpoint(), rpc);
  }
  json status = ProtoToJson(response.status());
  status["createdAt"] = Rfc3339Nano(response.status().created_at());
  json inspected = json::object();
  inspected["status"] = std::move(status);
  MergeVerboseInfo(response.info(), inspected);
  PrintDocument(inspected, format, io);
  return 0;
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
      [&](const std::string& id) { return StopPod(client, id); },
      [](const std::string& id) { return "Stopped sandbox " + id; });
}

int RunRemovePods(Client& client, const RemovePodsOptions& options, const CommandIo& io) {
  std::vector<std::string> ids = options.ids;
  if (options.all) {  // crictl removes every listed pod, whatever IDs were given
    v1::ListPodSandboxResponse listed;
    const grpc::Status rpc = ListPods(client, {}, listed);
    if (!rpc.ok()) return ReportRpcError(io, "rmp", client.runtime_endpoint(), rpc);
    if (listed.items().empty()) return 0;  // nothing to remove is no failure
    ids.clear();
    for (const v1::PodSandbox& pod : listed.items()) ids.push_back(pod.id());
  }
  if (ids.empty()) return ReportError(io, "rmp", "no pod sandbox ID given (POD-ID... or --all)");
  int exit_code = 0;
  for (const std::string& id : ids) {
    if (RemovePod(client, id, options.force, io) != 0) exit_code = 1;
  }
  return exit_code;
}

int RunPods(Client& client, const PodsOptions& options, const CommandIo& io) {
  auto format = ParseOutputFormat(options.output, OutputFormat::kTable);
  if (!format.ok()) return ReportError(io, "pods", std::string(AsStd(format.status().message())));
  auto filter = ServerFilter(options);
  if (!filter.ok()) return ReportError(io, "pods", std::string(AsStd(filter.status().message())));
  v1::ListPodSandboxResponse listed;
  const grpc::Status rpc = ListPods(client, *filter, listed);
  if (!rpc.ok()) return ReportRpcError(io, "pods", client.runtime_endpoint(), rpc);
  const std::vector<v1::PodSandbox> pods = SelectPods(listed, options);
  if (*format != OutputFormat::kTable) {  // before --quiet, as crictl
    json items = json::array();
    for (const v1::PodSandbox& pod : pods) items.push_back(ProtoToJson(pod));
    PrintDocument({{"items", items}}, *format, io);
  } else if (options.quiet) {
    for (const v1::PodSandbox& pod : pods) io.out << pod.id() << "\n";
  } else {
    PrintPodsTable(pods, options.no_trunc, io);
  }
  return 0;
}

int RunInspectPods(Client& client, const InspectPodsOptions& options, const CommandIo& io) {
  auto format = ParseDocumentFormat(options.output);
  if (!format.ok()) {
    return ReportError(io, "inspectp", std::string(AsStd(format.status().message())));
  }
  if (options.ids.empty()) return ReportError(io, "inspectp", "no pod sandbox ID given");
  int exit_code = 0;
  for (const std::string& id : options.ids) {
    if (InspectPod(client, id, options.quiet, *format, io) != 0) exit_code = 1;
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
  rmp->add_flag("--force,-f", options->force, "Stop and remove ready pods too");
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
  auto options = std::make_shared<InspectPodsOptions>();
  CLI::App* inspectp = AddVerb(app, "inspectp", "Show the status of one or more pods", chosen,
                               [options](Client& client, const CommandIo& io) {
                                 return RunInspectPods(client, *options, io);
                               });
  inspectp->add_option("POD-ID", options->ids, "Pod sandbox IDs");
  inspectp->add_flag("--quiet,-q", options->quiet, "Do not show verbose information");
  AddOutputOption(*inspectp, options->output, "json or yaml");
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
