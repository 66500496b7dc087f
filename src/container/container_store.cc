#include "container/container_store.h"

#include "common/base64.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace crio::container {
namespace {

using nlohmann::json;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  pod_id TEXT NOT NULL,
  body TEXT NOT NULL
);
)sql";

json EncodeResources(const spec::Resources& r) {
  return {{"cpu_period", r.cpu_period},           {"cpu_quota", r.cpu_quota},
          {"cpu_shares", r.cpu_shares},           {"memory_limit", r.memory_limit},
          {"memory_swap", r.memory_swap},         {"cpuset_cpus", r.cpuset_cpus},
          {"cpuset_mems", r.cpuset_mems},         {"pids_limit", r.pids_limit},
          {"hugepage_limits", r.hugepage_limits}, {"unified", r.unified}};
}

spec::Resources DecodeResources(const json& r) {
  if (!r.is_object()) return {};
  return {.cpu_period = r.value("cpu_period", int64_t{0}),
          .cpu_quota = r.value("cpu_quota", int64_t{0}),
          .cpu_shares = r.value("cpu_shares", int64_t{0}),
          .memory_limit = r.value("memory_limit", int64_t{0}),
          .memory_swap = r.value("memory_swap", int64_t{0}),
          .cpuset_cpus = r.value("cpuset_cpus", ""),
          .cpuset_mems = r.value("cpuset_mems", ""),
          .pids_limit = r.value("pids_limit", int64_t{0}),
          .hugepage_limits = r.value("hugepage_limits", std::map<std::string, uint64_t>()),
          .unified = r.value("unified", std::map<std::string, std::string>())};
}

json EncodeMounts(const std::vector<MountRequest>& mounts) {
  json out = json::array();
  for (const MountRequest& mount : mounts) {
    out.push_back({{"container_path", mount.container_path},
                   {"host_path", mount.host_path},
                   {"readonly", mount.readonly},
                   {"recursive_read_only", mount.recursive_read_only},
                   {"propagation", static_cast<int>(mount.propagation)}});
  }
  return out;
}

std::vector<MountRequest> DecodeMounts(const json& mounts) {
  std::vector<MountRequest> out;
  for (const json& mount : mounts) {
    out.push_back({.container_path = mount.at("container_path"),
                   .host_path = mount.at("host_path"),
                   .readonly = mount.at("readonly"),
                   .recursive_read_only = mount.value("recursive_read_only", false),
                   .propagation = static_cast<Propagation>(mount.at("propagation").get<int>())});
  }
  return out;
}

json EncodeDevices(const std::vector<DeviceRequest>& devices) {
  json out = json::array();
  for (const DeviceRequest& device : devices) {
    out.push_back({{"container_path", device.container_path},
                   {"host_path", device.host_path},
                   {"permissions", device.permissions}});
  }
  return out;
}

std::vector<DeviceRequest> DecodeDevices(const json& devices) {
  std::vector<DeviceRequest> out;
  if (!devices.is_array()) return out;
  for (const json& device : devices) {
    out.push_back({.container_path = device.at("container_path"),
                   .host_path = device.at("host_path"),
                   .permissions = device.at("permissions")});
  }
  return out;
}

json Optional(const std::optional<int64_t>& value) { return value ? json(*value) : json(nullptr); }

std::optional<int64_t> DecodeOptional(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  return body[key].get<int64_t>();
}

// Every field of the request: restore, status and exec need them as they were created.
json EncodeRequest(const ContainerRequest& request) {
  return {{"pod_id", request.pod_id},
          {"name", request.name},
          {"attempt", request.attempt},
          {"image", request.image},
          {"command", request.command},
          {"args", request.args},
          {"working_dir", request.working_dir},
          {"env", request.env},
          {"mounts", EncodeMounts(request.mounts)},
          {"devices", EncodeDevices(request.devices)},
          {"labels", request.labels},
          {"annotations", request.annotations},
          {"log_path", request.log_path},
          {"stdin", request.stdin},
          {"stdin_once", request.stdin_once},
          {"tty", request.tty},
          {"resources", EncodeResources(request.resources)},
          {"oom_score_adj", request.oom_score_adj},
          {"privileged", request.privileged},
          {"readonly_rootfs", request.readonly_rootfs},
          {"add_capabilities", request.add_capabilities},
          {"drop_capabilities", request.drop_capabilities},
          {"run_as_user", Optional(request.run_as_user)},
          {"run_as_username", request.run_as_username},
          {"run_as_group", Optional(request.run_as_group)},
          {"supplemental_groups", request.supplemental_groups},
          {"strict_supplemental_groups", request.strict_supplemental_groups},
          {"no_new_privs", request.no_new_privs},
          {"masked_paths", request.masked_paths},
          {"readonly_paths", request.readonly_paths},
          {"pid_mode", static_cast<int>(request.pid_mode)},
          {"pid_target", request.pid_target},
          {"stop_signal", request.stop_signal},
          {"seccomp_profile", request.seccomp_profile},
          {"apparmor_profile", request.apparmor_profile},
          {"config", Base64Encode(request.config_blob)}};
}

// Fields added after the first rows were written are read with their defaults.
ContainerRequest DecodeRequest(const json& body) {
  using Strings = std::vector<std::string>;
  ContainerRequest request;
  request.pod_id = body.at("pod_id");
  request.name = body.at("name");
  request.attempt = body.at("attempt");
  request.image = body.at("image");
  request.command = body.value("command", Strings());
  request.args = body.value("args", Strings());
  request.working_dir = body.value("working_dir", "");
  request.env = body.value("env", Strings());
  request.mounts = DecodeMounts(body.at("mounts"));
  request.devices = DecodeDevices(body.value("devices", json()));
  request.labels = body.at("labels");
  request.annotations = body.at("annotations");
  request.log_path = body.at("log_path");
  request.stdin = body.at("stdin");
  request.stdin_once = body.at("stdin_once");
  request.tty = body.at("tty");
  request.resources = DecodeResources(body.value("resources", json()));
  request.oom_score_adj = body.value("oom_score_adj", int64_t{0});
  request.privileged = body.value("privileged", false);
  request.readonly_rootfs = body.value("readonly_rootfs", false);
  request.add_capabilities = body.value("add_capabilities", Strings());
  request.drop_capabilities = body.value("drop_capabilities", Strings());
  request.run_as_user = DecodeOptional(body, "run_as_user");
  request.run_as_username = body.value("run_as_username", "");
  request.run_as_group = DecodeOptional(body, "run_as_group");
  request.supplemental_groups = body.value("supplemental_groups", std::vector<int64_t>());
  request.strict_supplemental_groups = body.value("strict_supplemental_groups", false);
  request.no_new_privs = body.value("no_new_privs", false);
  request.masked_paths = body.value("masked_paths", Strings());
  request.readonly_paths = body.value("readonly_paths", Strings());
  request.pid_mode = static_cast<sandbox::NamespaceMode>(
      body.value("pid_mode", static_cast<int>(sandbox::NamespaceMode::kContainer)));
  request.pid_target = body.value("pid_target", "");
  request.stop_signal = body.value("stop_signal", "");
  request.seccomp_profile = body.value("seccomp_profile", "");
  request.apparmor_profile = body.value("apparmor_profile", "");
  request.config_blob = Base64Decode(body.at("config").get<std::string>()).value_or("");
  return request;
}

}  // namespace

std::string EncodeContainer(const Container& c) {
  const json body = {{"id", c.id},
                     {"request", EncodeRequest(c.request)},
                     {"image_id", c.image_id},
                     {"image_name", c.image_name},
                     {"image_ref", c.image_ref},
                     {"runtime_handler", c.runtime_handler},
                     {"infra", c.infra},
                     {"creating", c.creating},
                     {"state", static_cast<int>(c.state)},
                     {"created_at", c.created_at},
                     {"started_at", c.started_at},
                     {"finished_at", c.finished_at},
                     {"exit_code", c.exit_code},
                     {"reason", c.reason},
                     {"message", c.message},
                     {"pid", c.pid},
                     {"log_path", c.log_path},
                     {"bundle", c.bundle},
                     {"persist_dir", c.persist_dir},
                     {"rootfs", c.rootfs},
                     {"stop_signal", c.stop_signal},
                     {"boot_id", c.boot_id},
                     {"uid", c.uid},
                     {"gid", c.gid},
                     {"supplemental_groups", c.supplemental_groups}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<Container> DecodeContainer(const std::string& text) {
  const json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::DataLossError("container row is not a JSON object");
  try {
    return Container{
        .id = body.at("id"),
        .request = DecodeRequest(body.at("request")),
        .image_id = body.at("image_id"),
        .image_name = body.at("image_name"),
        .image_ref = body.at("image_ref"),
        .runtime_handler = body.at("runtime_handler"),
        .infra = body.at("infra"),
        .creating = body.value("creating", false),
        .state = static_cast<ContainerState>(body.at("state").get<int>()),
        .created_at = body.at("created_at"),
        .started_at = body.at("started_at"),
        .finished_at = body.at("finished_at"),
        .exit_code = body.at("exit_code"),
        .reason = body.at("reason"),
        .message = body.at("message"),
        .pid = body.at("pid"),
        .log_path = body.at("log_path"),
        .bundle = body.at("bundle"),
        .persist_dir = body.at("persist_dir"),
        .rootfs = body.at("rootfs"),
        .stop_signal = body.at("stop_signal"),
        .boot_id = body.at("boot_id"),
        .uid = body.value("uid", 0),
        .gid = body.value("gid", 0),
        .supplemental_groups = body.value("supplemental_groups", std::vector<int64_t>())};
  } catch (const json::exception& error) {
    return absl::DataLossError(std::string("container row: ") + error.what());
  }
}

absl::StatusOr<std::unique_ptr<ContainerStore>> ContainerStore::Open(state::Database& db) {
  RETURN_IF_ERROR(db.Exec(kSchema));
  return std::unique_ptr<ContainerStore>(new ContainerStore(db));
}

absl::Status ContainerStore::Save(const Container& container, const std::string& name) {
  ASSIGN_OR_RETURN(auto transaction, db_.Begin());
  ASSIGN_OR_RETURN(state::Statement statement,
                   transaction->Prepare("INSERT OR REPLACE INTO containers (id, name, pod_id, "
                                        "body) VALUES (?, ?, ?, ?)"));
  RETURN_IF_ERROR(statement.Bind(1, container.id)
                      .Bind(2, name)
                      .Bind(3, container.request.pod_id)
                      .Bind(4, EncodeContainer(container))
                      .Run());
  return transaction->Commit();
}

absl::Status ContainerStore::Delete(const std::string& id) {
  ASSIGN_OR_RETURN(auto transaction, db_.Begin());
  ASSIGN_OR_RETURN(state::Statement statement,
                   transaction->Prepare("DELETE FROM containers WHERE id = ?"));
  RETURN_IF_ERROR(statement.Bind(1, id).Run());
  return transaction->Commit();
}

absl::StatusOr<std::vector<Container>> ContainerStore::LoadAll(std::vector<std::string>* corrupt) {
  ASSIGN_OR_RETURN(auto transaction, db_.Begin());
  ASSIGN_OR_RETURN(state::Statement statement,
                   transaction->Prepare("SELECT id, body FROM containers ORDER BY id"));
  std::vector<Container> containers;
  for (;;) {
    ASSIGN_OR_RETURN(const bool row, statement.Step());
    if (!row) break;
    auto container = DecodeContainer(statement.Text(1));
    if (container.ok()) {
      containers.push_back(std::move(*container));
    } else if (corrupt != nullptr) {
      corrupt->push_back(statement.Text(0) + ": " + std::string(container.status().message()));
    }
  }
  return containers;
}

std::string ContainerName(const ContainerRequest& request, const sandbox::PodMetadata& pod) {
  return "k8s_" + request.name + "_" + pod.name + "_" + pod.namespace_ + "_" + pod.uid + "_" +
         std::to_string(request.attempt);
}

}  // namespace crio::container
