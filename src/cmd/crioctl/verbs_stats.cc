// crioctl's observability verbs, as crictl has them: `stats` (containers: CPU %, memory
// working set, writable layer bytes and inodes), `statsp` (pods: CPU %, memory) — CPU % from
// two samples `--seconds` apart, as crictl computes it — and `events` (the event stream).
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/output.h"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "fmt/format.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

struct StatsOptions {
  std::string id;
  std::string pod;
  std::vector<std::string> labels;
  bool all = false;
  int seconds = 1;
  std::string output;
};

// CPU % between two cumulative samples, as crictl computes it.
double CpuPercent(const v1::CpuUsage& before, const v1::CpuUsage& after) {
  const int64_t elapsed = after.timestamp() - before.timestamp();
  const uint64_t used = after.usage_core_nano_seconds().value();
  if (elapsed <= 0 || used < before.usage_core_nano_seconds().value()) return 0;
  return static_cast<double>(used - before.usage_core_nano_seconds().value()) /
         static_cast<double>(elapsed) * 100;
}

absl::StatusOr<v1::ListContainerStatsResponse> ListContainerStats(Client& client,
                                                                  const StatsOptions& options,
                                                                  grpc::Status& rpc) {
  v1::ListContainerStatsRequest request;
  request.mutable_filter()->set_id(options.id);
  request.mutable_filter()->set_pod_sandbox_id(options.pod);
  auto selector = ParseLabelSelector(options.labels);
  if (!selector.ok()) return selector.status();
  request.mutable_filter()->mutable_label_selector()->insert(selector->begin(), selector->end());
  v1::ListContainerStatsResponse response;
  rpc = client.runtime().ListContainerStats(client.NewContext().get(), request, &response);
  return response;
}

absl::StatusOr<v1::ListPodSandboxStatsResponse> ListPodStats(Client& client,
                                                             const StatsOptions& options,
                                                             grpc::Status& rpc) {
  v1::ListPodSandboxStatsRequest request;
  request.mutable_filter()->set_id(options.id);
  auto selector = ParseLabelSelector(options.labels);
  if (!selector.ok()) return selector.status();
  request.mutable_filter()->mutable_label_selector()->insert(selector->begin(), selector->end());
  v1::ListPodSandboxStatsResponse response;
  rpc = client.runtime().ListPodSandboxStats(client.NewContext().get(), request, &response);
  return response;
}

int RunStats(Client& client, const StatsOptions& options, const CommandIo& io) {
  auto format = ParseOutputFormat(options.output, OutputFormat::kTable);
  if (!format.ok()) return ReportError(io, "stats", std::string(AsStd(format.status().message())));
  grpc::Status rpc;
  auto first = ListContainerStats(client, options, rpc);
  if (!first.ok()) return ReportError(io, "stats", std::string(AsStd(first.status().message())));
  if (!rpc.ok()) return ReportRpcError(io, "stats", client.runtime_endpoint(), rpc);
  if (*format != OutputFormat::kTable) {
    PrintDocument(ProtoToJson(*first), *format, io);
    return 0;
  }
  std::map<std::string, v1::CpuUsage> before;
  for (const v1::ContainerStats& stats : first->stats()) {
    before[stats.attributes().id()] = stats.cpu();
  }
  std::this_thread::sleep_for(std::chrono::seconds(options.seconds));
  auto second = ListContainerStats(client, options, rpc);
  if (!rpc.ok()) return ReportRpcError(io, "stats", client.runtime_endpoint(), rpc);
  std::vector<std::vector<std::string>> rows;
  for (const v1::ContainerStats& stats : second->stats()) {
    const auto earlier = before.find(stats.attributes().id());
    const bool idle = stats.cpu().usage_core_nano_seconds().value() == 0 &&
                      stats.memory().working_set_bytes().value() == 0;
    if (earlier == before.end() || (idle && !options.all)) continue;  // new, or not running
    rows.push_back({stats.attributes().id().substr(0, 13), stats.attributes().metadata().name(),
                    fmt::format("{:.2f}", CpuPercent(earlier->second, stats.cpu())),
                    HumanSize(stats.memory().working_set_bytes().value()),
                    HumanSize(stats.writable_layer().used_bytes().value()),
                    std::to_string(stats.writable_layer().inodes_used().value())});
  }
  io.out << ToTable({"CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES"}, rows);
  return 0;
}

int RunPodStats(Client& client, const StatsOptions& options, const CommandIo& io) {
  auto format = ParseOutputFormat(options.output, OutputFormat::kTable);
  if (!format.ok()) return ReportError(io, "statsp", std::string(AsStd(format.status().message())));
  grpc::Status rpc;
  auto first = ListPodStats(client, options, rpc);
  if (!first.ok()) return ReportError(io, "statsp", std::string(AsStd(first.status().message())));
  if (!rpc.ok()) return ReportRpcError(io, "statsp", client.runtime_endpoint(), rpc);
  if (*format != OutputFormat::kTable) {
    PrintDocument(ProtoToJson(*first), *format, io);
    return 0;
  }
  std::map<std::string, v1::CpuUsage> before;
  for (const v1::PodSandboxStats& stats : first->stats()) {
    before[stats.attributes().id()] = stats.linux().cpu();
  }
  std::this_thread::sleep_for(std::chrono::seconds(options.seconds));
  auto second = ListPodStats(client, options, rpc);
  if (!rpc.ok()) return ReportRpcError(io, "statsp", client.runtime_endpoint(), rpc);
  std::vector<std::vector<std::string>> rows;
  for (const v1::PodSandboxStats& stats : second->stats()) {
    const auto earlier = before.find(stats.attributes().id());
    if (earlier == before.end()) continue;
    rows.push_back({stats.attributes().metadata().name(), stats.attributes().id().substr(0, 13),
                    fmt::format("{:.2f}", CpuPercent(earlier->second, stats.linux().cpu())),
                    HumanSize(stats.linux().memory().working_set_bytes().value())});
  }
  io.out << ToTable({"POD", "POD ID", "CPU %", "MEM"}, rows);
  return 0;
}

// events: prints each container event as it comes (JSON or YAML documents) until the
// runtime ends the stream (it does at once unless enable_pod_events is set) or crioctl is
// interrupted.
int RunEvents(Client& client, const std::string& output, const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) return ReportError(io, "events", std::string(AsStd(format.status().message())));
  grpc::ClientContext context;  // no deadline: it runs until stopped
  auto stream = client.runtime().GetContainerEvents(&context, v1::GetEventsRequest());
  v1::ContainerEventResponse event;
  while (stream->Read(&event)) {
    PrintDocument(ProtoToJson(event), *format, io);
    io.out.flush();
  }
  const grpc::Status finished = stream->Finish();
  if (!finished.ok()) return ReportRpcError(io, "events", client.runtime_endpoint(), finished);
  return 0;
}

// metricdescs / metricsp: the runtime's pod metric descriptors, or every pod's metrics, as
// one JSON or YAML document (crictl's verbs of the same names).
template <typename Request, typename Response>
int RunMetricsCall(Client& client, const std::string& verb, const std::string& output,
                   grpc::Status (v1::RuntimeService::Stub::*call)(grpc::ClientContext*,
                                                                  const Request&, Response*),
                   const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) return ReportError(io, verb, std::string(AsStd(format.status().message())));
  Response response;
  const grpc::Status status =
      (client.runtime().*call)(client.NewContext().get(), Request(), &response);
  if (!status.ok()) return ReportRpcError(io, verb, client.runtime_endpoint(), status);
  PrintDocument(ProtoToJson(response), *format, io);
  return 0;
}

}  // namespace

void AddStatsVerbs(CLI::App& app, VerbAction& chosen) {
  auto containers = std::make_shared<StatsOptions>();
  CLI::App* stats = AddVerb(app, "stats", "List container resource usage statistics", chosen,
                            [containers](Client& client, const CommandIo& io) {
                              return RunStats(client, *containers, io);
                            });
  stats->add_option("--id", containers->id, "Container ID (prefix)");
  stats->add_option("--pod,-p", containers->pod, "Pod sandbox ID (prefix)");
  stats->add_option("--label", containers->labels, "KEY=VALUE label filter (repeatable)");
  stats->add_flag("--all,-a", containers->all, "Show all containers, not only running ones");
  stats->add_option("--seconds,-s", containers->seconds, "Seconds between the two samples")
      ->check(CLI::Range(1, 3600));
  AddOutputOption(*stats, containers->output, "table, json or yaml");

  auto pods = std::make_shared<StatsOptions>();
  CLI::App* statsp = AddVerb(
      app, "statsp", "List pod resource usage statistics", chosen,
      [pods](Client& client, const CommandIo& io) { return RunPodStats(client, *pods, io); });
  statsp->add_option("--id", pods->id, "Pod sandbox ID (prefix)");
  statsp->add_option("--label", pods->labels, "KEY=VALUE label filter (repeatable)");
  statsp->add_option("--seconds,-s", pods->seconds, "Seconds between the two samples")
      ->check(CLI::Range(1, 3600));
  AddOutputOption(*statsp, pods->output, "table, json or yaml");

  auto events_output = std::make_shared<std::string>();
  CLI::App* events = AddVerb(app, "events", "Stream container events", chosen,
                             [events_output](Client& client, const CommandIo& io) {
                               return RunEvents(client, *events_output, io);
                             });
  AddOutputOption(*events, *events_output, "json or yaml");

  auto descs_output = std::make_shared<std::string>();
  CLI::App* descs =
      AddVerb(app, "metricdescs", "List the pod metrics' descriptors", chosen,
              [descs_output](Client& client, const CommandIo& io) {
                return RunMetricsCall(client, "metricdescs", *descs_output,
                                      &v1::RuntimeService::Stub::ListMetricDescriptors, io);
              });
  AddOutputOption(*descs, *descs_output, "json or yaml");
  auto metrics_output = std::make_shared<std::string>();
  CLI::App* metrics =
      AddVerb(app, "metricsp", "List every pod's metrics", chosen,
              [metrics_output](Client& client, const CommandIo& io) {
                return RunMetricsCall(client, "metricsp", *metrics_output,
                                      &v1::RuntimeService::Stub::ListPodSandboxMetrics, io);
              });
  AddOutputOption(*metrics, *metrics_output, "json or yaml");
}

}  // namespace crio::crioctl
