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
                   .propagation = static_cast<Propagation>(mount.at("propagation").get<int>())});
  }
  return out;
}

// What status and list need after creation; the full request stays in config_blob.
json EncodeRequest(const ContainerRequest& request) {
  return {{"pod_id", request.pod_id},
          {"name", request.name},
          {"attempt", request.attempt},
          {"image", request.image},
          {"mounts", EncodeMounts(request.mounts)},
          {"labels", request.labels},
          {"annotations", request.annotations},
          {"log_path", request.log_path},
          {"stdin", request.stdin},
          {"stdin_once", request.stdin_once},
          {"tty", request.tty},
          {"resources", EncodeResources(request.resources)},
          {"oom_score_adj", request.oom_score_adj},
          {"config", Base64Encode(request.config_blob)}};
}

ContainerRequest DecodeRequest(const json& body) {
  ContainerRequest request;
  request.pod_id = body.at("pod_id");
  request.name = body.at("name");
  request.attempt = body.at("attempt");
  request.image = body.at("image");
  request.mounts = DecodeMounts(body.at("mounts"));
  request.labels = body.at("labels");
  request.annotations = body.at("annotations");
  request.log_path = body.at("log_path");
  request.stdin = body.at("stdin");
  request.stdin_once = body.at("stdin_once");
  request.tty = body.at("tty");
  request.resources = DecodeResources(body.value("resources", json()));
  request.oom_score_adj = body.value("oom_score_adj", int64_t{0});
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
