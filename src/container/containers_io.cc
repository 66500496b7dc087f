// Containers: exec, attach, terminal resize, log reopening, resource updates, pause and
// resume of running containers, and the status API's document. See containers.h.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "container/containers.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "sys/unique_fd.h"
#include "sys/wait_file.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

constexpr auto kReopenLogTimeout = std::chrono::seconds(5);  // for conmon to create the new log

}  // namespace

absl::StatusOr<nlohmann::json> Containers::StatusInfo(const std::string& id) const {
  absl::Status error;
  auto entry = Find(id, &error, /*infra=*/true);  // CRI-O describes a pod's infra too
  if (entry == nullptr && absl::IsNotFound(error)) return DroppedInfraStatusInfo(id, error);
  if (entry == nullptr) return error;
  const Container container = entry->Copy();
  std::string name;
  std::vector<std::string> ips;
  if (auto pod = sandboxes_.Get(container.request.pod_id); pod.ok()) {
    name = ContainerName(container.request, pod->spec.metadata);
    ips = pod->ips;
  }
  // The annotations crio gave the runtime (config.json's), as CRI-O reports them.
  nlohmann::json crio_annotations = nlohmann::json::object();
  if (auto spec = ReadFileToString(container.bundle + "/config.json"); spec.ok()) {
    const nlohmann::json parsed = nlohmann::json::parse(*spec, nullptr, false);
    if (parsed.is_object() && parsed.contains("annotations") && parsed["annotations"].is_object()) {
      crio_annotations = parsed["annotations"];
    }
  }
  return nlohmann::json{{"name", name},
                        {"pid", container.pid},
                        {"image", container.image_name},
                        {"image_ref", container.image_ref},
                        {"created_time", container.created_at},
                        {"labels", container.request.labels},
                        {"annotations", container.request.annotations},
                        {"crio_annotations", crio_annotations},
                        {"log_path", container.log_path},
                        {"root", container.rootfs},
                        {"sandbox", container.request.pod_id},
                        {"ip_addresses", ips}};
}

absl::StatusOr<nlohmann::json> Containers::DroppedInfraStatusInfo(
    const std::string& id, const absl::Status& not_found) const {
  auto pod = sandboxes_.Get(id);
  if (!pod.ok() || !pod->infra_id.empty()) return not_found;
  // The process that stands for the pod: its first running container's, as CRI-O's.
  int pid = 0;
  for (const Container& member :
       List({.pod_id_prefix = pod->id, .state = ContainerState::kRunning})) {
    if (member.request.pod_id != pod->id) continue;
    pid = member.pid;
    break;
  }
  const sandbox::PodMetadata& metadata = pod->spec.metadata;
  return nlohmann::json{
      {"name", ContainerName({.name = kPodWorkloadName, .attempt = metadata.attempt}, metadata)},
      {"pid", pid},
      {"image", ""},
      {"image_ref", ""},
      {"created_time", pod->created_at},
      {"labels", pod->spec.labels},
      {"annotations", pod->spec.annotations},
      {"crio_annotations", nlohmann::json::object()},
      {"log_path", ""},
      {"root", ""},  // no rootfs: crio makes none for a pod without an infra container
      {"sandbox", pod->id},
      {"ip_addresses", pod->ips}};
}

// CRI-O's conflicts (the status API's 409): pausing takes a created or running container,
// resuming a paused one; the runtime's state says which it is.
absl::Status Containers::Pause(const std::string& id) {
  ASSIGN_OR_RETURN(const Container container, CreatedOrRunning(id));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  ASSIGN_OR_RETURN(const oci::RuntimeState state, runtime->State(container.id));
  if (state.status != "running" && state.status != "created") {
    return absl::FailedPreconditionError(
        fmt::format("container is not in running or created state, now is {}", state.status));
  }
  return runtime->Pause(container.id);
}

absl::Status Containers::Resume(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  const Container container = entry->Copy();
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  ASSIGN_OR_RETURN(const oci::RuntimeState state, runtime->State(container.id));
  if (state.status != "paused") {
    return absl::FailedPreconditionError(
        fmt::format("container is not in paused state, now is {}", state.status));
  }
  return runtime->Resume(container.id);
}

absl::StatusOr<std::string> Containers::ExecProcessJson(const Container& container,
                                                        const std::vector<std::string>& command,
                                                        bool tty) const {
  if (command.empty()) return absl::InvalidArgumentError("no command to execute");
  ASSIGN_OR_RETURN(const std::string spec_text,
                   ReadFileToString(container.bundle + "/config.json", 4 << 20));
  nlohmann::json process = nlohmann::json::parse(spec_text, nullptr, /*allow_exceptions=*/false)
                               .value("process", nlohmann::json());
  if (!process.is_object()) {
    return absl::DataLossError(
        fmt::format("container {}: config.json has no process", container.id));
  }
  process["args"] = command;
  process["terminal"] = tty;
  if (!tty) process.erase("consoleSize");
  return process.dump();
}

absl::StatusOr<oci::ExecResult> Containers::ExecSync(const std::string& id,
                                                     const std::vector<std::string>& command,
                                                     int64_t timeout_seconds) {
  if (command.empty()) return absl::InvalidArgumentError("no command to execute");
  // As CRI-O: a created container's init already holds its namespaces, so exec works there.
  ASSIGN_OR_RETURN(const Container container, CreatedOrRunning(id));
  // A container made with a terminal gives its execs one too, as CRI-O's.
  const bool tty = container.request.tty;
  ASSIGN_OR_RETURN(std::string process_json, ExecProcessJson(container, command, tty));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->ExecSync({.id = container.id,
                            .process_json = std::move(process_json),
                            .tty = tty,
                            .timeout_seconds = timeout_seconds});
}

absl::StatusOr<std::unique_ptr<oci::ExecProcess>> Containers::StartExec(
    const std::string& id, const std::vector<std::string>& command, bool tty,
    const oci::ExecStdio& stdio) {
  ASSIGN_OR_RETURN(const Container container, CreatedOrRunning(id));
  ASSIGN_OR_RETURN(std::string process_json, ExecProcessJson(container, command, tty));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->StartExec(
      {.id = container.id, .process_json = std::move(process_json), .tty = tty}, stdio);
}

absl::StatusOr<sys::UniqueFd> Containers::ConnectAttach(const std::string& id) {
  ASSIGN_OR_RETURN(const Container container, CreatedOrRunning(id));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->ConnectAttach(container.id);
}

absl::Status Containers::ResizeTerminal(const std::string& id, uint16_t width, uint16_t height) {
  ASSIGN_OR_RETURN(const Container container, CreatedOrRunning(id));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->ResizeTerminal(container.bundle, width, height);
}

absl::Status Containers::UpdateResources(const std::string& id, const spec::Resources& resources) {
  RETURN_IF_ERROR(ValidateResources(resources));
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  const Container container = entry->Copy();
  RETURN_IF_ERROR(CheckCreatedOrRunning(container));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  RETURN_IF_ERROR(runtime->Update(container.id, spec::ResourcesToJson(ForHost(resources)).dump()));
  {
    std::lock_guard data(entry->mu);  // what ContainerStatus reports from now on
    entry->container.request.resources = resources;
  }
  return Persist(*entry);
}

absl::Status Containers::ReopenLog(const std::string& id) {
  ASSIGN_OR_RETURN(const Container container, Running(id));
  // The kubelet renames the log before asking: the call returns once conmon has created the
  // new file, so the caller can read it at once (as CRI-O does).
  const bool log_moved = !container.log_path.empty() && !fs::exists(container.log_path);
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  RETURN_IF_ERROR(runtime->ReopenLog(container.bundle));
  if (!log_moved) return absl::OkStatus();
  return sys::WaitForFile(container.log_path, kReopenLogTimeout);
}

}  // namespace crio::container
