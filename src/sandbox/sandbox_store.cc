#include "sandbox/sandbox_store.h"

#include "common/base64.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace crio::sandbox {
namespace {

using nlohmann::json;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS pods (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL
);
)sql";

json EncodePorts(const std::vector<network::PortMapping>& mappings) {
  json ports = json::array();
  for (const network::PortMapping& mapping : mappings) {
    ports.push_back({{"protocol", mapping.protocol},
                     {"container_port", mapping.container_port},
                     {"host_port", mapping.host_port},
                     {"host_ip", mapping.host_ip}});
  }
  return ports;
}

std::vector<network::PortMapping> DecodePorts(const json& ports) {
  std::vector<network::PortMapping> mappings;
  for (const json& port : ports) {
    mappings.push_back({.protocol = port.at("protocol"),
                        .container_port = port.at("container_port"),
                        .host_port = port.at("host_port"),
                        .host_ip = port.at("host_ip")});
  }
  return mappings;
}

json EncodeSpec(const SandboxSpec& spec) {
  return {{"name", spec.metadata.name},
          {"uid", spec.metadata.uid},
          {"namespace", spec.metadata.namespace_},
          {"attempt", spec.metadata.attempt},
          {"hostname", spec.hostname},
          {"log_directory", spec.log_directory},
          {"runtime_handler", spec.runtime_handler},
          {"cgroup_parent", spec.cgroup_parent},
          {"dns_servers", spec.dns.servers},
          {"dns_searches", spec.dns.searches},
          {"dns_options", spec.dns.options},
          {"port_mappings", EncodePorts(spec.port_mappings)},
          {"labels", spec.labels},
          {"annotations", spec.annotations},
          {"network_mode", static_cast<int>(spec.network_mode)},
          {"pid_mode", static_cast<int>(spec.pid_mode)},
          {"ipc_mode", static_cast<int>(spec.ipc_mode)},
          {"sysctls", spec.sysctls},
          {"privileged", spec.privileged},
          {"seccomp_profile", spec.seccomp_profile},
          {"config", Base64Encode(spec.config_blob)}};
}

SandboxSpec DecodeSpec(const json& body) {
  return {.metadata = {.name = body.at("name"),
                       .uid = body.at("uid"),
                       .namespace_ = body.at("namespace"),
                       .attempt = body.at("attempt")},
          .hostname = body.at("hostname"),
          .log_directory = body.at("log_directory"),
          .runtime_handler = body.at("runtime_handler"),
          .cgroup_parent = body.at("cgroup_parent"),
          .dns = {.servers = body.at("dns_servers"),
                  .searches = body.at("dns_searches"),
                  .options = body.at("dns_options")},
          .port_mappings = DecodePorts(body.at("port_mappings")),
          .labels = body.at("labels"),
          .annotations = body.at("annotations"),
          .network_mode = static_cast<NamespaceMode>(body.at("network_mode").get<int>()),
          .pid_mode = static_cast<NamespaceMode>(body.at("pid_mode").get<int>()),
          .ipc_mode = static_cast<NamespaceMode>(body.at("ipc_mode").get<int>()),
          .sysctls = body.at("sysctls"),
          .privileged = body.at("privileged"),
          .seccomp_profile = body.at("seccomp_profile"),
          .config_blob = Base64Decode(body.at("config").get<std::string>()).value_or("")};
}

}  // namespace

std::string EncodeSandbox(const Sandbox& sandbox) {
  const json body = {{"id", sandbox.id},
                     {"spec", EncodeSpec(sandbox.spec)},
                     {"state", static_cast<int>(sandbox.state)},
                     {"created_at", sandbox.created_at},
                     {"boot_id", sandbox.boot_id},
                     {"run_dir", sandbox.run_dir},
                     {"netns", sandbox.netns_path},
                     {"ipcns", sandbox.ipcns_path},
                     {"utsns", sandbox.utsns_path},
                     {"shm", sandbox.shm_path},
                     {"hostname_file", sandbox.hostname_path},
                     {"resolv_file", sandbox.resolv_path},
                     {"hosts_file", sandbox.hosts_path},
                     {"network", sandbox.network},
                     {"ips", sandbox.ips},
                     {"network_attached", sandbox.network_attached},
                     {"creating", sandbox.creating},
                     {"infra_id", sandbox.infra_id},
                     {"infra_pid", sandbox.infra_pid},
                     {"infra_image", sandbox.infra_image}};
  // Strings from CRI are valid UTF-8 (proto3 checks); replace anything else rather than throw.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<Sandbox> DecodeSandbox(const std::string& text) {
  const json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::DataLossError("pod row is not a JSON object");
  try {
    Sandbox sandbox{.id = body.at("id"),
                    .spec = DecodeSpec(body.at("spec")),
                    .state = static_cast<SandboxState>(body.at("state").get<int>()),
                    .created_at = body.at("created_at"),
                    .boot_id = body.at("boot_id"),
                    .run_dir = body.at("run_dir"),
                    .netns_path = body.at("netns"),
                    .ipcns_path = body.at("ipcns"),
                    .utsns_path = body.at("utsns"),
                    .shm_path = body.at("shm"),
                    .hostname_path = body.at("hostname_file"),
                    .resolv_path = body.at("resolv_file"),
                    .hosts_path = body.at("hosts_file"),
                    .network = body.at("network"),
                    .ips = body.at("ips"),
                    .infra_id = body.value("infra_id", ""),
                    .infra_pid = body.value("infra_pid", 0),
                    .infra_image = body.value("infra_image", "")};
    // Rows from before these fields: a READY pod on a pod network is attached.
    sandbox.network_attached = body.value(
        "network_attached", sandbox.state == SandboxState::kReady && !sandbox.network.empty());
    sandbox.creating = body.value("creating", false);
    return sandbox;
  } catch (const json::exception& error) {  // a field missing or of the wrong type
    return absl::DataLossError(std::string("pod row: ") + error.what());
  }
}

absl::StatusOr<std::unique_ptr<SandboxStore>> SandboxStore::Open(state::Database& db) {
  RETURN_IF_ERROR(db.Exec(kSchema));
  return std::unique_ptr<SandboxStore>(new SandboxStore(db));
}

absl::Status SandboxStore::Save(const Sandbox& sandbox) {
  ASSIGN_OR_RETURN(auto transaction, db_.Begin());
  ASSIGN_OR_RETURN(state::Statement statement,
                   transaction->Prepare("INSERT OR REPLACE INTO pods (id, name, body) "
                                        "VALUES (?, ?, ?)"));
  RETURN_IF_ERROR(statement.Bind(1, sandbox.id)
                      .Bind(2, PodName(sandbox.spec.metadata))
                      .Bind(3, EncodeSandbox(sandbox))
                      .Run());
  return transaction->Commit();
}

absl::Status SandboxStore::Delete(const std::string& id) {
  ASSIGN_OR_RETURN(auto transaction, db_.Begin());
  ASSIGN_OR_RETURN(state::Statement statement,
                   transaction->Prepare("DELETE FROM pods WHERE id = ?"));
  RETURN_IF_ERROR(statement.Bind(1, id).Run());
  return transaction->Commit();
}

absl::StatusOr<std::vector<Sandbox>> SandboxStore::LoadAll(std::vector<std::string>* corrupt) {
  ASSIGN_OR_RETURN(auto transaction, db_.Begin());
  ASSIGN_OR_RETURN(state::Statement statement,
                   transaction->Prepare("SELECT id, body FROM pods ORDER BY id"));
  std::vector<Sandbox> sandboxes;
  for (;;) {
    ASSIGN_OR_RETURN(const bool row, statement.Step());
    if (!row) break;
    auto sandbox = DecodeSandbox(statement.Text(1));
    if (sandbox.ok()) {
      sandboxes.push_back(std::move(*sandbox));
    } else if (corrupt != nullptr) {
      corrupt->push_back(statement.Text(0) + ": " + std::string(sandbox.status().message()));
    }
  }
  return sandboxes;
}

std::string PodName(const PodMetadata& metadata) {
  return "k8s_" + metadata.name + "_" + metadata.namespace_ + "_" + metadata.uid + "_" +
         std::to_string(metadata.attempt);
}

}  // namespace crio::sandbox
