#include "server/pod_sandbox_convert.h"

#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace crio::server {
namespace {

using nlohmann::json;

std::string Protocol(v1::Protocol protocol) {
  switch (protocol) {
    case v1::UDP:
      return "udp";
    case v1::SCTP:
      return "sctp";
    default:
      return "tcp";
  }
}

std::string SeccompProfile(const v1::LinuxSandboxSecurityContext& context) {
  if (context.has_seccomp()) {
    switch (context.seccomp().profile_type()) {
      case v1::SecurityProfile::Unconfined:
        return "unconfined";
      case v1::SecurityProfile::Localhost:
        return "localhost/" + context.seccomp().localhost_ref();
      default:
        return "runtime/default";
    }
  }
  return context.seccomp_profile_path();
}

template <typename Map>
std::map<std::string, std::string> ToMap(const Map& map) {
  return {map.begin(), map.end()};
}

// The fields PodSandbox and PodSandboxStatus share.
template <typename Message>
void FillCommon(const sandbox::Sandbox& sandbox, Message& out) {
  out.set_id(sandbox.id);
  v1::PodSandboxMetadata* metadata = out.mutable_metadata();
  metadata->set_name(sandbox.spec.metadata.name);
  metadata->set_uid(sandbox.spec.metadata.uid);
  metadata->set_namespace_(sandbox.spec.metadata.namespace_);
  metadata->set_attempt(sandbox.spec.metadata.attempt);
  out.set_state(sandbox.ready() ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY);
  out.set_created_at(sandbox.created_at);
  out.mutable_labels()->insert(sandbox.spec.labels.begin(), sandbox.spec.labels.end());
  out.mutable_annotations()->insert(sandbox.spec.annotations.begin(),
                                    sandbox.spec.annotations.end());
  out.set_runtime_handler(sandbox.spec.runtime_handler);
}

}  // namespace

sandbox::SandboxSpec SpecFromConfig(const v1::PodSandboxConfig& config,
                                    const std::string& runtime_handler) {
  sandbox::SandboxSpec spec;
  spec.metadata = {.name = config.metadata().name(),
                   .uid = config.metadata().uid(),
                   .namespace_ = config.metadata().namespace_(),
                   .attempt = config.metadata().attempt()};
  spec.hostname = config.hostname();
  spec.log_directory = config.log_directory();
  spec.runtime_handler = runtime_handler;
  spec.cgroup_parent = config.linux().cgroup_parent();
  const v1::DNSConfig& dns = config.dns_config();
  spec.dns = {.servers = {dns.servers().begin(), dns.servers().end()},
              .searches = {dns.searches().begin(), dns.searches().end()},
              .options = {dns.options().begin(), dns.options().end()}};
  for (const v1::PortMapping& mapping : config.port_mappings()) {
    spec.port_mappings.push_back({.protocol = Protocol(mapping.protocol()),
                                  .container_port = mapping.container_port(),
                                  .host_port = mapping.host_port(),
                                  .host_ip = mapping.host_ip()});
  }
  spec.labels = ToMap(config.labels());
  spec.annotations = ToMap(config.annotations());
  const v1::LinuxSandboxSecurityContext& security = config.linux().security_context();
  const v1::NamespaceOption& namespaces = security.namespace_options();
  spec.network_mode = static_cast<sandbox::NamespaceMode>(namespaces.network());
  spec.pid_mode = static_cast<sandbox::NamespaceMode>(namespaces.pid());
  spec.ipc_mode = static_cast<sandbox::NamespaceMode>(namespaces.ipc());
  spec.sysctls = ToMap(config.linux().sysctls());
  spec.privileged = security.privileged();
  spec.seccomp_profile = SeccompProfile(security);
  spec.config_blob = config.SerializeAsString();
  return spec;
}

void FillStatus(const sandbox::Sandbox& sandbox, v1::PodSandboxStatus& out) {
  FillCommon(sandbox, out);
  if (!sandbox.ips.empty()) {
    out.mutable_network()->set_ip(sandbox.ips.front());
    for (size_t i = 1; i < sandbox.ips.size(); ++i) {
      out.mutable_network()->add_additional_ips()->set_ip(sandbox.ips[i]);
    }
  }
  v1::NamespaceOption* options = out.mutable_linux()->mutable_namespaces()->mutable_options();
  options->set_network(static_cast<v1::NamespaceMode>(sandbox.spec.network_mode));
  options->set_pid(static_cast<v1::NamespaceMode>(sandbox.spec.pid_mode));
  options->set_ipc(static_cast<v1::NamespaceMode>(sandbox.spec.ipc_mode));
}

void FillListItem(const sandbox::Sandbox& sandbox, v1::PodSandbox& out) {
  FillCommon(sandbox, out);
}

std::string VerboseInfo(const sandbox::Sandbox& sandbox, const absl::Status& network_check) {
  json info = {
      {"runDir", sandbox.run_dir},
      {"namespaces",
       {{"network", sandbox.netns_path}, {"ipc", sandbox.ipcns_path}, {"uts", sandbox.utsns_path}}},
      {"shmPath", sandbox.shm_path},
      {"hostnamePath", sandbox.hostname_path},
      {"resolvPath", sandbox.resolv_path},
      {"hostsPath", sandbox.hosts_path},
      {"logDirectory", sandbox.spec.log_directory},
      {"cniNetwork", sandbox.network},
      {"infraContainer", {{"id", sandbox.infra_id}, {"pid", sandbox.infra_pid}}},
      {"image", sandbox.infra_image},  // CRI-O's: the pause image (empty without an infra)
      {"networkCheck",
       network_check.ok() ? std::string("ok") : std::string(network_check.message())}};
  v1::PodSandboxConfig config;
  std::string config_json;
  if (config.ParseFromString(sandbox.spec.config_blob) &&
      google::protobuf::util::MessageToJsonString(config, &config_json).ok()) {
    info["config"] = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  }
  return info.dump();
}

sandbox::SandboxFilter FilterFrom(const v1::PodSandboxFilter& filter) {
  sandbox::SandboxFilter result{.id_prefix = filter.id(),
                                .state = std::nullopt,
                                .label_selector = ToMap(filter.label_selector())};
  if (filter.has_state()) {
    result.state = filter.state().state() == v1::SANDBOX_READY ? sandbox::SandboxState::kReady
                                                               : sandbox::SandboxState::kNotReady;
  }
  return result;
}

}  // namespace crio::server
