// Verbs about containers: create, start, run, stop, rm, ps, inspect, logs, exec (the
// synchronous form), update.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/config_file.h"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "fmt/format.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

std::string StateName(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_CREATED:
      return "Created";
    case v1::CONTAINER_RUNNING:
      return "Running";
    case v1::CONTAINER_EXITED:
      return "Exited";
    default:
      return "Unknown";
  }
}

absl::StatusOr<std::string> CreateIn(Client& client, const std::string& pod_id,
                                     const std::string& container_config,
                                     const std::string& pod_config, grpc::Status& rpc) {
  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod_id);
  if (auto loaded = LoadMessageFile(container_config, *request.mutable_config()); !loaded.ok()) {
    return loaded;
  }
  if (auto loaded = LoadMessageFile(pod_config, *request.mutable_sandbox_config()); !loaded.ok()) {
    return loaded;
  }
  v1::CreateContainerResponse response;
  rpc = client.runtime().CreateContainer(client.NewContext(std::chrono::minutes(5)).get(), request,
                                         &response);
  return response.container_id();
}

grpc::Status Start(Client& client, const std::string& id) {
  v1::StartContainerRequest request;
  request.set_container_id(id);
  v1::StartContainerResponse response;
  return client.runtime().StartContainer(client.NewContext(std::chrono::minutes(2)).get(), request,
                                         &response);
}

// Prints the CRI log lines of `text` (from line `skip` on) to out/err as crictl does.
void PrintLogLines(const std::string& text, bool timestamps, const CommandIo& io) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t first = line.find(' ');
    const size_t second = line.find(' ', first + 1);
    const size_t third = line.find(' ', second + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string stream = line.substr(first + 1, second - first - 1);
    const std::string tag = line.substr(second + 1, third - second - 1);
    const std::string content = third == std::string::npos ? "" : line.substr(third + 1);
    std::ostream& sink = stream == "stderr" ? io.err : io.out;
    if (timestamps) sink << line.substr(0, first) << " ";
    sink << content;
    if (tag.find('P') == std::string::npos) sink << "\n";
  }
}

std::string LastLines(const std::string& text, int count) {
  if (count < 0) return text;
  size_t position = text.size();
  if (position > 0 && text[position - 1] == '\n') --position;
  for (int i = 0; i < count && position != std::string::npos && position > 0; ++i) {
    position = text.rfind('\n', position - 1);
  }
  if (position == std::string::npos) return text;
  return position == 0 && count > 0 && text.front() != '\n' ? text : text.substr(position + 1);
}

absl::StatusOr<std::vector<v1::Container>> ListContainers(Client& client, const PsOptions& options,
                                                          grpc::Status& rpc) {
  v1::ListContainersRequest request;
  v1::ContainerFilter* filter = request.mutable_filter();
  filter->set_id(options.id);
  filter->set_pod_sandbox_id(options.pod);
  if (!options.state.empty()) {
    std::string state = options.state;
    std::transform(state.begin(), state.end(), state.begin(), ::tolower);
    const std::map<std::string, v1::ContainerState> states = {{"created", v1::CONTAINER_CREATED},
                                                              {"running", v1::CONTAINER_RUNNING},
                                                              {"exited", v1::CONTAINER_EXITED},
                                                              {"unknown", v1::CONTAINER_UNKNOWN}};
    auto found = states.find(state);
    if (found == states.end()) {
      return absl::InvalidArgumentError("--state must be created, running, exited or unknown");
    }
    filter->mutable_state()->set_state(found->second);
  } else if (!options.all) {
    filter->mutable_state()->set_state(v1::CONTAINER_RUNNING);
  }
  auto selector = ParseLabelSelector(options.labels);
  if (!selector.ok()) return selector.status();
  filter->mutable_label_selector()->insert(selector->begin(), selector->end());
  v1::ListContainersResponse response;
  rpc = client.runtime().ListContainers(client.NewContext().get(), request, &response);
  std::vector<v1::Container> containers;
  const RegexFilter name(options.name);  // a pattern that does not compile matches nothing
  for (const v1::Container& container : response.containers()) {
    if (name.Matches(container.metadata().name())) {
      containers.push_back(container);
    }
  }
  std::sort(containers.begin(), containers.end(),
            [](const v1::Container& a, const v1::Container& b) {
              return a.created_at() > b.created_at();
            });
  if (options.latest && containers.size() > 1) containers.resize(1);
  if (options.last > 0 && containers.size() > static_cast<size_t>(options.last)) {
    containers.resize(static_cast<size_t>(options.last));
  }
  return containers;
}

}  // namespace

int RunCreateContainer(Client& client, const CreateOptions& options, const CommandIo& io) {
  grpc::Status rpc;
  auto id = CreateIn(client, options.pod_id, options.container_config, options.pod_config, rpc);
  if (!id.ok()) return ReportError(io, "create", std::string(AsStd(id.status().message())));
  if (!rpc.ok()) return ReportRpcError(io, "create", client.runtime_endpoint(), rpc);
  io.out << *id << "\n";
  return 0;
}

int RunStartContainers(Client& client, const std::vector<std::string>& ids, const CommandIo& io) {
  return ForEachId(
      ids, "start", client.runtime_endpoint(), io,
      [&](const std::string& id) { return Start(client, id); },
      [](const std::string& id) { return id; });
}

int RunRunContainer(Client& client, const RunOptions& options, const CommandIo& io) {
  v1::RunPodSandboxRequest run;
  if (auto loaded = LoadMessageFile(options.pod_config, *run.mutable_config()); !loaded.ok()) {
    return ReportError(io, "run", std::string(AsStd(loaded.message())));
  }
  run.set_runtime_handler(options.runtime);
  v1::RunPodSandboxResponse ran;
  grpc::Status rpc =
      client.runtime().RunPodSandbox(client.NewContext(std::chrono::minutes(5)).get(), run, &ran);
  if (!rpc.ok()) return ReportRpcError(io, "run", client.runtime_endpoint(), rpc);
  auto id =
      CreateIn(client, ran.pod_sandbox_id(), options.container_config, options.pod_config, rpc);
  if (!id.ok()) return ReportError(io, "run", std::string(AsStd(id.status().message())));
  if (!rpc.ok()) return ReportRpcError(io, "run", client.runtime_endpoint(), rpc);
  if (rpc = Start(client, *id); !rpc.ok()) {
    return ReportRpcError(io, "run", client.runtime_endpoint(), rpc);
  }
  io.out << *id << "\n";
  return 0;
}

int RunStopContainers(Client& client, const std::vector<std::string>& ids, int64_t timeout,
                      const CommandIo& io) {
  return ForEachId(
      ids, "stop", client.runtime_endpoint(), io,
      [&](const std::string& id) {
        v1::StopContainerRequest request;
        request.set_container_id(id);
        request.set_timeout(timeout);
        v1::StopContainerResponse response;
        return client.runtime().StopContainer(
            client.NewContext(std::chrono::seconds(timeout + 60)).get(), request, &response);
      },
      [](const std::string& id) { return id; });
}

int RunRemoveContainers(Client& client, const RemoveContainersOptions& options,
                        const CommandIo& io) {
  std::vector<std::string> ids = options.ids;
  if (options.all) {
    grpc::Status rpc;
    auto containers = ListContainers(client, {.all = true}, rpc);
    if (!rpc.ok()) return ReportRpcError(io, "rm", client.runtime_endpoint(), rpc);
    for (const v1::Container& container : *containers) ids.push_back(container.id());
  }
  if (ids.empty()) return ReportError(io, "rm", "no container ID given (ID... or --all)");
  int exit_code = 0;
  for (const std::string& id : ids) {
    if (!options.force) {  // crictl refuses a running container unless forced
      v1::ContainerStatusRequest status_request;
      status_request.set_container_id(id);
      v1::ContainerStatusResponse status_response;
      const grpc::Status status = client.runtime().ContainerStatus(
          client.NewContext().get(), status_request, &status_response);
      if (status.ok() && status_response.status().state() == v1::CONTAINER_RUNNING) {
        exit_code = ReportError(
            io, "rm",
            fmt::format("container {} is running, please stop it first or use --force", id));
        continue;
      }
    }
    v1::RemoveContainerRequest request;
    request.set_container_id(id);
    v1::RemoveContainerResponse response;
    const grpc::Status status = client.runtime().RemoveContainer(
        client.NewContext(std::chrono::minutes(2)).get(), request, &response);
    if (!status.ok()) {
      exit_code = ReportRpcError(io, "rm", client.runtime_endpoint(), status);
      continue;
    }
    io.out << id << "\n";
  }
  return exit_code;
}

int RunPs(Client& client, const PsOptions& options, const CommandIo& io) {
  auto format = ParseOutputFormat(options.output, OutputFormat::kTable);
  if (!format.ok()) return ReportError(io, "ps", std::string(AsStd(format.status().message())));
  grpc::Status rpc;
  auto containers = ListContainers(client, options, rpc);
  if (!containers.ok()) {
    return ReportError(io, "ps", std::string(AsStd(containers.status().message())));
  }
  if (!rpc.ok()) return ReportRpcError(io, "ps", client.runtime_endpoint(), rpc);
  if (options.quiet) {
    for (const v1::Container& container : *containers) io.out << container.id() << "\n";
    return 0;
  }
  if (*format != OutputFormat::kTable) {
    json items = json::array();
    for (const v1::Container& container : *containers) items.push_back(ProtoToJson(container));
    PrintDocument({{"containers", items}}, *format, io);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  const int64_t now = NowNs();
  for (const v1::Container& c : *containers) {
    auto trunc = [&](const std::string& id) { return options.no_trunc ? id : id.substr(0, 13); };
    rows.push_back({trunc(c.id()), c.image().image(), TimeAgo(c.created_at(), now),
                    StateName(c.state()), c.metadata().name(),
                    std::to_string(c.metadata().attempt()), trunc(c.pod_sandbox_id())});
  }
  io.out << ToTable({"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID"}, rows);
  return 0;
}

int RunInspectContainers(Client& client, const std::vector<std::string>& ids,
                         const std::string& output, const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) {
    return ReportError(io, "inspect", std::string(AsStd(format.status().message())));
  }
  if (ids.empty()) return ReportError(io, "inspect", "no container ID given");
  int exit_code = 0;
  for (const std::string& id : ids) {
    v1::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(true);
    v1::ContainerStatusResponse response;
    const grpc::Status status =
        client.runtime().ContainerStatus(client.NewContext().get(), request, &response);
    if (!status.ok()) {
      exit_code = ReportRpcError(io, "inspect", client.runtime_endpoint(), status);
      continue;
    }
    json inspected = {{"status", ProtoToJson(response.status())}};
    MergeVerboseInfo(response.info(), inspected);
    PrintDocument(inspected, *format, io);
  }
  return exit_code;
}

int RunLogs(Client& client, const LogsOptions& options, const CommandIo& io) {
  v1::ContainerStatusRequest request;
  request.set_container_id(options.id);
  v1::ContainerStatusResponse response;
  grpc::Status status =
      client.runtime().ContainerStatus(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "logs", client.runtime_endpoint(), status);
  const std::string path = response.status().log_path();
  std::ifstream file(path);
  if (!file) return ReportError(io, "logs", fmt::format("cannot open the log file {}", path));
  std::stringstream text;
  text << file.rdbuf();
  PrintLogLines(LastLines(text.str(), options.tail), options.timestamps, io);
  while (options.follow) {  // until the container is gone or no longer running
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    file.clear();
    std::stringstream more;
    more << file.rdbuf();
    PrintLogLines(more.str(), options.timestamps, io);
    io.out.flush();
    status = client.runtime().ContainerStatus(client.NewContext().get(), request, &response);
    if (!status.ok() || response.status().state() != v1::CONTAINER_RUNNING) {
      file.clear();
      std::stringstream rest;
      rest << file.rdbuf();
      PrintLogLines(rest.str(), options.timestamps, io);
      break;
    }
  }
  return 0;
}

int RunExecSync(Client& client, const ExecOptions& options, const CommandIo& io) {
  if (options.command.empty()) return ReportError(io, "exec", "no command given");
  v1::ExecSyncRequest request;
  request.set_container_id(options.id);
  for (const std::string& arg : options.command) request.add_cmd(arg);
  request.set_timeout(options.timeout);
  v1::ExecSyncResponse response;
  const grpc::Status status = client.runtime().ExecSync(
      client.NewContext(std::chrono::seconds(options.timeout > 0 ? options.timeout + 30 : 3600))
          .get(),
      request, &response);
  if (!status.ok()) return ReportRpcError(io, "exec", client.runtime_endpoint(), status);
  io.out << response.stdout();
  io.err << response.stderr();
  return response.exit_code();
}

int RunUpdateContainers(Client& client, const UpdateOptions& options, const CommandIo& io) {
  return ForEachId(
      options.ids, "update", client.runtime_endpoint(), io,
      [&](const std::string& id) {
        v1::UpdateContainerResourcesRequest request;
        request.set_container_id(id);
        v1::LinuxContainerResources* linux_resources = request.mutable_linux();
        linux_resources->set_cpu_period(options.cpu_period);
        linux_resources->set_cpu_quota(options.cpu_quota);
        linux_resources->set_cpu_shares(options.cpu_shares);
        linux_resources->set_cpuset_cpus(options.cpuset_cpus);
        linux_resources->set_cpuset_mems(options.cpuset_mems);
        linux_resources->set_memory_limit_in_bytes(options.memory);
        v1::UpdateContainerResourcesResponse response;
        return client.runtime().UpdateContainerResources(client.NewContext().get(), request,
                                                         &response);
      },
      [](const std::string& id) { return id; });
}

namespace {

void AddCreate(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<CreateOptions>();
  CLI::App* create = AddVerb(app, "create", "Create a new container in a pod", chosen,
                             [options](Client& client, const CommandIo& io) {
                               return RunCreateContainer(client, *options, io);
                             });
  create->add_option("POD-ID", options->pod_id, "Pod sandbox ID")->required();
  create->add_option("CONTAINER_CONFIG", options->container_config, "ContainerConfig file")
      ->required();
  create->add_option("POD_CONFIG", options->pod_config, "PodSandboxConfig file")->required();
}

void AddRun(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = AddVerb(app, "run", "Run a new container inside a new pod", chosen,
                          [options](Client& client, const CommandIo& io) {
                            return RunRunContainer(client, *options, io);
                          });
  run->add_option("CONTAINER_CONFIG", options->container_config, "ContainerConfig file")
      ->required();
  run->add_option("POD_CONFIG", options->pod_config, "PodSandboxConfig file")->required();
  run->add_option("--runtime,-r", options->runtime, "Runtime handler to use");
}

void AddStartStop(CLI::App& app, VerbAction& chosen) {
  auto start_ids = std::make_shared<std::vector<std::string>>();
  CLI::App* start = AddVerb(app, "start", "Start one or more created containers", chosen,
                            [start_ids](Client& client, const CommandIo& io) {
                              return RunStartContainers(client, *start_ids, io);
                            });
  start->add_option("CONTAINER-ID", *start_ids, "Container IDs");
  struct Stop {
    std::vector<std::string> ids;
    int64_t timeout = 0;
  };
  auto stop_options = std::make_shared<Stop>();
  CLI::App* stop =
      AddVerb(app, "stop", "Stop one or more running containers", chosen,
              [stop_options](Client& client, const CommandIo& io) {
                return RunStopContainers(client, stop_options->ids, stop_options->timeout, io);
              });
  stop->add_option("CONTAINER-ID", stop_options->ids, "Container IDs");
  stop->add_option("--timeout,-t", stop_options->timeout,
                   "Seconds to wait after the stop signal before killing");
}

void AddRemove(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<RemoveContainersOptions>();
  CLI::App* rm = AddVerb(app, "rm", "Remove one or more containers", chosen,
                         [options](Client& client, const CommandIo& io) {
                           return RunRemoveContainers(client, *options, io);
                         });
  rm->add_option("CONTAINER-ID", options->ids, "Container IDs");
  rm->add_flag("--all,-a", options->all, "Remove all containers");
  rm->add_flag("--force,-f", options->force, "Remove running containers too");
}

void AddPs(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<PsOptions>();
  CLI::App* ps = AddVerb(
      app, "ps", "List containers", chosen,
      [options](Client& client, const CommandIo& io) { return RunPs(client, *options, io); });
  ps->add_flag("--all,-a", options->all, "Show all containers, not only running ones");
  ps->add_option("--id", options->id, "Container ID (prefix)");
  ps->add_option("--pod,-p", options->pod, "Pod sandbox ID (prefix)");
  ps->add_option("--name", options->name, "Container name regular expression");
  ps->add_option("--state,-s", options->state, "created, running, exited or unknown");
  ps->add_option("--label", options->labels, "KEY=VALUE label filter (repeatable)");
  ps->add_flag("--quiet,-q", options->quiet, "Only show container IDs");
  ps->add_flag("--no-trunc", options->no_trunc, "Show full IDs");
  ps->add_flag("--latest,-l", options->latest, "Only the newest container");
  ps->add_option("--last,-n", options->last, "Only the N newest containers");
  AddOutputOption(*ps, options->output, "table, json or yaml");
}

void AddInspect(CLI::App& app, VerbAction& chosen) {
  struct Inspect {
    std::vector<std::string> ids;
    std::string output;
  };
  auto inspect = std::make_shared<Inspect>();
  CLI::App* command =
      AddVerb(app, "inspect", "Show the status of one or more containers", chosen,
              [inspect](Client& client, const CommandIo& io) {
                return RunInspectContainers(client, inspect->ids, inspect->output, io);
              });
  command->add_option("CONTAINER-ID", inspect->ids, "Container IDs");
  AddOutputOption(*command, inspect->output, "json or yaml");
}

void AddLogsExecUpdate(CLI::App& app, VerbAction& chosen) {
  auto logs_options = std::make_shared<LogsOptions>();
  CLI::App* logs = AddVerb(app, "logs", "Print a container's log", chosen,
                           [logs_options](Client& client, const CommandIo& io) {
                             return RunLogs(client, *logs_options, io);
                           });
  logs->add_option("CONTAINER-ID", logs_options->id, "Container ID")->required();
  logs->add_flag("--follow,-f", logs_options->follow, "Keep printing new lines");
  logs->add_option("--tail", logs_options->tail, "Only the last N lines (-1: all)");
  logs->add_flag("--timestamps,-t", logs_options->timestamps, "Show timestamps");

  // "exec [--sync] [--timeout N] ID COMMAND [ARG...]": everything after the ID belongs to
  // the command, dashes included.
  auto exec_options = std::make_shared<ExecOptions>();
  auto exec_app = std::make_shared<CLI::App*>(nullptr);  // set below, read when chosen
  CLI::App* exec = AddVerb(app, "exec", "Run a command in a running container", chosen,
                           [exec_options, exec_app](Client& client, const CommandIo& io) {
                             exec_options->command = (*exec_app)->remaining();
                             if (exec_options->sync || exec_options->timeout > 0) {
                               return RunExecSync(client, *exec_options, io);
                             }
                             return RunExecStreaming(client, *exec_options, io);
                           });
  *exec_app = exec;
  exec->add_flag("--sync,-s", exec_options->sync, "Run through ExecSync, not a streaming session");
  exec->add_option("--timeout", exec_options->timeout,
                   "Seconds before the command is killed (implies --sync)");
  exec->add_flag("--interactive,-i", exec_options->interactive, "Keep stdin open");
  exec->add_flag("--tty,-t", exec_options->tty, "Allocate a terminal");
  exec->add_option("--transport", exec_options->transport, "spdy (default) or websocket");
  exec->add_option("CONTAINER-ID", exec_options->id, "Container ID")->required();
  exec->prefix_command();

  auto update_options = std::make_shared<UpdateOptions>();
  CLI::App* update = AddVerb(app, "update", "Update the resources of running containers", chosen,
                             [update_options](Client& client, const CommandIo& io) {
                               return RunUpdateContainers(client, *update_options, io);
                             });
  update->add_option("CONTAINER-ID", update_options->ids, "Container IDs");
  update->add_option("--cpu-period", update_options->cpu_period, "CPU CFS period (µs)");
  update->add_option("--cpu-quota", update_options->cpu_quota, "CPU CFS quota (µs)");
  update->add_option("--cpu-share", update_options->cpu_shares, "CPU shares");
  update->add_option("--cpuset-cpus", update_options->cpuset_cpus, "CPUs to run on");
  update->add_option("--cpuset-mems", update_options->cpuset_mems, "Memory nodes to use");
  update->add_option("--memory", update_options->memory, "Memory limit in bytes");
}

}  // namespace

void AddContainerVerbs(CLI::App& app, VerbAction& chosen) {
  AddCreate(app, chosen);
  AddRun(app, chosen);
  AddStartStop(app, chosen);
  AddRemove(app, chosen);
  AddPs(app, chosen);
  AddInspect(app, chosen);
  AddLogsExecUpdate(app, chosen);
}

}  // namespace crio::crioctl
