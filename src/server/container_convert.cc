#include "server/container_convert.h"

#include <string.h>

#include "common/read_file.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace crio::server {
namespace {

using nlohmann::json;

// A SecurityProfile in the string form crio keeps: "runtime/default", "localhost/REF" or
// "unconfined".
std::string ProfileString(const v1::SecurityProfile& profile) {
  switch (profile.profile_type()) {
    case v1::SecurityProfile::RuntimeDefault:
      return "runtime/default";
    case v1::SecurityProfile::Localhost:
      return "localhost/" + profile.localhost_ref();
    default:
      return "unconfined";
  }
}

template <typename Repeated>
std::vector<std::string> Strings(const Repeated& values) {
  return {values.begin(), values.end()};
}

v1::ContainerState ToProto(container::ContainerState state) {
  switch (state) {
    case container::ContainerState::kCreated:
      return v1::CONTAINER_CREATED;
    case container::ContainerState::kRunning:
      return v1::CONTAINER_RUNNING;
    case container::ContainerState::kExited:
      return v1::CONTAINER_EXITED;
    default:
      return v1::CONTAINER_UNKNOWN;
  }
}

}  // namespace

container::ContainerRequest RequestFromConfig(const std::string& pod_id,
                                              const v1::ContainerConfig& config) {
  container::ContainerRequest request;
  request.pod_id = pod_id;
  request.name = config.metadata().name();
  request.attempt = config.metadata().attempt();
  request.image = config.image().image();
  request.command = Strings(config.command());
  request.args = Strings(config.args());
  request.working_dir = config.working_dir();
  for (const v1::KeyValue& env : config.envs()) {
    request.env.push_back(env.key() + "=" + env.value());
  }
  for (const v1::Mount& mount : config.mounts()) {
    request.mounts.push_back(
        {.container_path = mount.container_path(),
         .host_path = mount.host_path(),
         .readonly = mount.readonly(),
         .recursive_read_only = mount.recursive_read_only(),
         .propagation = static_cast<container::Propagation>(mount.propagation())});
  }
  for (const v1::Device& device : config.devices()) {
    request.devices.push_back({.container_path = device.container_path(),
                               .host_path = device.host_path(),
                               .permissions = device.permissions()});
  }
  request.labels = {config.labels().begin(), config.labels().end()};
  request.annotations = {config.annotations().begin(), config.annotations().end()};
  request.log_path = config.log_path();
  request.stdin = config.stdin();
  request.stdin_once = config.stdin_once();
  request.tty = config.tty();
  request.resources = ResourcesFrom(config.linux().resources());
  request.oom_score_adj = config.linux().resources().oom_score_adj();
  const v1::LinuxContainerSecurityContext& security = config.linux().security_context();
  request.privileged = security.privileged();
  request.readonly_rootfs = security.readonly_rootfs();
  request.add_capabilities = Strings(security.capabilities().add_capabilities());
  request.drop_capabilities = Strings(security.capabilities().drop_capabilities());
  if (security.has_run_as_user()) request.run_as_user = security.run_as_user().value();
  request.run_as_username = security.run_as_username();
  if (security.has_run_as_group()) request.run_as_group = security.run_as_group().value();
  request.supplemental_groups = {security.supplemental_groups().begin(),
                                 security.supplemental_groups().end()};
  request.strict_supplemental_groups =
      security.supplemental_groups_policy() == v1::SupplementalGroupsPolicy::Strict;
  request.no_new_privs = security.no_new_privs();
  request.masked_paths = Strings(security.masked_paths());
  request.readonly_paths = Strings(security.readonly_paths());
  request.pid_mode = static_cast<sandbox::NamespaceMode>(security.namespace_options().pid());
  request.pid_target = security.namespace_options().target_id();
  // The SecurityProfile fields win over the older string forms.
  request.seccomp_profile =
      security.has_seccomp() ? ProfileString(security.seccomp()) : security.seccomp_profile_path();
  request.apparmor_profile =
      security.has_apparmor() ? ProfileString(security.apparmor()) : security.apparmor_profile();
  if (config.stop_signal() != v1::RUNTIME_DEFAULT) {
    request.stop_signal = v1::Signal_Name(config.stop_signal());
  }
  request.config_blob = config.SerializeAsString();
  return request;
}

spec::Resources ResourcesFrom(const v1::LinuxContainerResources& resources) {
  std::map<std::string, uint64_t> hugepages;
  for (const v1::HugepageLimit& limit : resources.hugepage_limits()) {
    hugepages[limit.page_size()] = limit.limit();
  }
  return {.cpu_period = resources.cpu_period(),
          .cpu_quota = resources.cpu_quota(),
          .cpu_shares = resources.cpu_shares(),
          .memory_limit = resources.memory_limit_in_bytes(),
          .memory_swap = resources.memory_swap_limit_in_bytes(),
          .cpuset_cpus = resources.cpuset_cpus(),
          .cpuset_mems = resources.cpuset_mems(),
          .pids_limit = 0,
          .hugepage_limits = std::move(hugepages),
          .unified = {resources.unified().begin(), resources.unified().end()}};
}

void FillContainerStatus(const container::Container& c, v1::ContainerStatus& out) {
  out.set_id(c.id);
  out.mutable_metadata()->set_name(c.request.name);
  out.mutable_metadata()->set_attempt(c.request.attempt);
  out.set_state(ToProto(c.state));
  out.set_created_at(c.created_at);
  out.set_started_at(c.started_at);
  out.set_finished_at(c.finished_at);
  out.set_exit_code(c.exit_code);
  out.mutable_image()->set_image(c.image_name);
  out.set_image_ref(c.image_ref);
  out.set_image_id(c.image_id);
  out.set_reason(c.reason);
  out.set_message(c.message);
  out.mutable_labels()->insert(c.request.labels.begin(), c.request.labels.end());
  out.mutable_annotations()->insert(c.request.annotations.begin(), c.request.annotations.end());
  for (const container::MountRequest& mount : c.request.mounts) {
    v1::Mount* added = out.add_mounts();
    added->set_container_path(mount.container_path);
    added->set_host_path(mount.host_path);
    added->set_readonly(mount.readonly);
    added->set_propagation(static_cast<v1::MountPropagation>(mount.propagation));
  }
  out.set_log_path(c.log_path);
  v1::LinuxContainerResources* resources = out.mutable_resources()->mutable_linux();
  const spec::Resources& r = c.request.resources;
  resources->set_cpu_period(r.cpu_period);
  resources->set_cpu_quota(r.cpu_quota);
  resources->set_cpu_shares(r.cpu_shares);
  resources->set_memory_limit_in_bytes(r.memory_limit);
  resources->set_memory_swap_limit_in_bytes(r.memory_swap);
  resources->set_cpuset_cpus(r.cpuset_cpus);
  resources->set_cpuset_mems(r.cpuset_mems);
  resources->set_oom_score_adj(c.request.oom_score_adj);
  resources->mutable_unified()->insert(r.unified.begin(), r.unified.end());
  for (const auto& [page_size, limit] : r.hugepage_limits) {
    v1::HugepageLimit* added = resources->add_hugepage_limits();
    added->set_page_size(page_size);
    added->set_limit(limit);
  }
  v1::LinuxContainerUser* user = out.mutable_user()->mutable_linux();
  user->set_uid(c.uid);
  user->set_gid(c.gid);
  for (const int64_t group : c.supplemental_groups) user->add_supplemental_groups(group);
  v1::Signal signal = v1::RUNTIME_DEFAULT;
  if (const char* name = ::sigabbrev_np(c.stop_signal); name != nullptr) {
    v1::Signal_Parse(std::string("SIG") + name, &signal);
  }
  out.set_stop_signal(signal);
}

void FillContainerItem(const container::Container& c, v1::Container& out) {
  out.set_id(c.id);
  out.set_pod_sandbox_id(c.request.pod_id);
  out.mutable_metadata()->set_name(c.request.name);
  out.mutable_metadata()->set_attempt(c.request.attempt);
  out.mutable_image()->set_image(c.image_name);
  out.set_image_ref(c.image_ref);
  out.set_image_id(c.image_id);
  out.set_state(ToProto(c.state));
  out.set_created_at(c.created_at);
  out.mutable_labels()->insert(c.request.labels.begin(), c.request.labels.end());
  out.mutable_annotations()->insert(c.request.annotations.begin(), c.request.annotations.end());
}

std::string ContainerVerboseInfo(const container::Container& c) {
  json info = {{"sandboxID", c.request.pod_id},
               {"pid", c.pid},
               {"bundle", c.bundle},
               {"rootfs", c.rootfs},
               {"privileged", c.request.privileged}};
  if (auto spec = ReadFileToString(c.bundle + "/config.json", 4 << 20); spec.ok()) {
    info["runtimeSpec"] = json::parse(*spec, nullptr, /*allow_exceptions=*/false);
  }
  return info.dump();
}

container::ContainerFilter ContainerFilterFrom(const v1::ContainerFilter& filter) {
  container::ContainerFilter result{
      .id_prefix = filter.id(),
      .pod_id_prefix = filter.pod_sandbox_id(),
      .state = std::nullopt,
      .label_selector = {filter.label_selector().begin(), filter.label_selector().end()}};
  if (filter.has_state()) {
    switch (filter.state().state()) {
      case v1::CONTAINER_CREATED:
        result.state = container::ContainerState::kCreated;
        break;
      case v1::CONTAINER_RUNNING:
        result.state = container::ContainerState::kRunning;
        break;
      case v1::CONTAINER_EXITED:
        result.state = container::ContainerState::kExited;
        break;
      default:
        result.state = container::ContainerState::kUnknown;
    }
  }
  return result;
}

}  // namespace crio::server
