#include "sandbox/sandboxes.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/random_id.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sandbox/pod_files.h"
#include "sandbox/sysctls.h"
#include "sandbox/validate.h"
#include "sys/unique_fd.h"
#include "sys/unix_socket.h"

namespace crio::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxHostFileBytes = 1 << 20;

bool MatchesFilter(const Sandbox& sandbox, const SandboxFilter& filter) {
  if (!sandbox.id.starts_with(filter.id_prefix)) return false;
  if (filter.state &&
      (sandbox.ready() ? SandboxState::kReady : SandboxState::kNotReady) != *filter.state) {
    return false;
  }
  return std::all_of(filter.label_selector.begin(), filter.label_selector.end(),
                     [&](const auto& pair) {
                       auto label = sandbox.spec.labels.find(pair.first);
                       return label != sandbox.spec.labels.end() && label->second == pair.second;
                     });
}

// The pod's files live in its run dir, under runroot (a tmpfs on a real node), and nobody
// reads them before Run returns; they need neither fsync nor rename.
absl::Status WriteText(const std::string& path, const std::string& content) {
  sys::UniqueFd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!file ||
      ::write(file.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    return ErrnoToStatus(errno, "write " + path);
  }
  return absl::OkStatus();
}

}  // namespace

Sandboxes::Sandboxes(SandboxesOptions options, SandboxStore& store, network::PodNetwork& network,
                     PodIsolation& isolation)
    : options_(std::move(options)), store_(store), network_(network), isolation_(isolation) {}

int64_t Sandboxes::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Sandboxes::SetPodCidr(const std::string& cidr) {
  std::unique_lock lock(mu_);
  pod_cidr_ = cidr;
}

absl::Status Sandboxes::Reserve(const std::string& name, const std::string& id) {
  std::unique_lock lock(mu_);
  auto [existing, inserted] = names_.emplace(name, id);
  if (!inserted) {
    return absl::AlreadyExistsError(fmt::format(
        "pod sandbox with name \"{}\" already exists with ID {}", name, existing->second));
  }
  return absl::OkStatus();
}

void Sandboxes::Release(const std::string& name) {
  std::unique_lock lock(mu_);
  names_.erase(name);
}

std::shared_ptr<Sandboxes::Entry> Sandboxes::Find(const std::string& id_or_prefix,
                                                  absl::Status* error) const {
  std::shared_lock lock(mu_);
  if (id_or_prefix.empty()) {
    *error = absl::InvalidArgumentError("pod sandbox ID is empty");
    return nullptr;
  }
  auto match = by_id_.lower_bound(id_or_prefix);
  if (match == by_id_.end() || !match->first.starts_with(id_or_prefix)) {
    *error = absl::NotFoundError(fmt::format("pod sandbox {} not found", id_or_prefix));
    return nullptr;
  }
  if (match->first != id_or_prefix) {
    auto next = std::next(match);
    if (next != by_id_.end() && next->first.starts_with(id_or_prefix)) {
      *error = absl::InvalidArgumentError(
          fmt::format("pod sandbox ID prefix {} is ambiguous", id_or_prefix));
      return nullptr;
    }
  }
  return match->second;
}

absl::StatusOr<Sandbox> Sandboxes::Get(const std::string& id_or_prefix) const {
  absl::Status error;
  auto entry = Find(id_or_prefix, &error);
  if (entry == nullptr) return error;
  return entry->Copy();
}

std::vector<Sandbox> Sandboxes::List(const SandboxFilter& filter) const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::shared_lock lock(mu_);
    for (auto it = by_id_.lower_bound(filter.id_prefix);
         it != by_id_.end() && it->first.starts_with(filter.id_prefix); ++it) {
      entries.push_back(it->second);
    }
  }
  std::vector<Sandbox> matching;
  for (const auto& entry : entries) {
    Sandbox sandbox = entry->Copy();
    if (MatchesFilter(sandbox, filter)) matching.push_back(std::move(sandbox));
  }
  std::sort(matching.begin(), matching.end(),
            [](const Sandbox& a, const Sandbox& b) { return a.created_at < b.created_at; });
  return matching;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Sandboxes::Sysctls(
    const SandboxSpec& spec) const {
  const SysctlScope scope{.host_network = spec.host_network(), .host_ipc = spec.host_ipc()};
  std::vector<std::string> skipped;
  auto sysctls = DefaultSysctls(options_.default_sysctls, scope, &skipped);
  for (const std::string& why : skipped) log::Warn("default_sysctls: skipping {}", why);
  ASSIGN_OR_RETURN(auto requested, ValidateSysctls(spec.sysctls, scope));
  // The pod's own values win over the defaults.
  for (auto& [key, value] : requested) {
    std::erase_if(sysctls, [&](const auto& entry) { return entry.first == key; });
    sysctls.emplace_back(key, value);
  }
  return sysctls;
}

absl::StatusOr<Sandbox> Sandboxes::Run(SandboxSpec spec) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  if (!spec.runtime_handler.empty() && !options_.runtime_handlers.contains(spec.runtime_handler)) {
    return absl::InvalidArgumentError(
        fmt::format("runtime handler \"{}\" is not configured", spec.runtime_handler));
  }
  RETURN_IF_ERROR(ValidateCgroupParent(spec.cgroup_parent, options_.cgroup_manager));
  RETURN_IF_ERROR(Sysctls(spec).status());
  Sandbox sandbox{.id = NewRandomId(), .spec = std::move(spec)};
  sandbox.created_at = Now();
  sandbox.boot_id = options_.boot_id;
  const std::string name = PodName(sandbox.spec.metadata);
  RETURN_IF_ERROR(Reserve(name, sandbox.id));
  Rollback rollback;
  rollback.Add([this, name] { Release(name); });

  auto entry = std::make_shared<Entry>();
  std::lock_guard operation(entry->operation);
  RETURN_IF_ERROR(Build(sandbox, rollback));
  RETURN_IF_ERROR(store_.Save(sandbox));
  {
    std::lock_guard data(entry->mu);
    entry->sandbox = sandbox;
  }
  {
    std::unique_lock lock(mu_);
    by_id_.emplace(sandbox.id, entry);
  }
  rollback.Commit();
  log::Info("Ran pod sandbox {} ({}/{}) with IPs [{}]", sandbox.id,
            sandbox.spec.metadata.namespace_, sandbox.spec.metadata.name,
            fmt::join(sandbox.ips, ", "));
  return sandbox;
}

absl::Status Sandboxes::Build(Sandbox& sandbox, Rollback& rollback) {
  RETURN_IF_ERROR(MakeFiles(sandbox, rollback));
  const auto network_started = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(MakeNamespaces(sandbox, rollback));
  RETURN_IF_ERROR(AttachNetwork(sandbox, rollback));
  if (!sandbox.spec.host_network()) TimeStep("network_setup_overall", network_started);
  sandbox.hosts_path = sandbox.run_dir + "/hosts";
  if (sandbox.spec.host_network()) {
    ASSIGN_OR_RETURN(const std::string hosts,
                     ReadFileToString(options_.host_hosts, kMaxHostFileBytes));
    RETURN_IF_ERROR(WriteText(sandbox.hosts_path, hosts));
  } else {
    RETURN_IF_ERROR(WriteText(sandbox.hosts_path, HostsFile(sandbox.spec.hostname, sandbox.ips)));
  }
  return StartInfra(sandbox, rollback);
}

absl::Status Sandboxes::StartInfra(Sandbox& sandbox, Rollback& rollback) {
  if (!sandbox.shares_pid_namespace() && options_.drop_infra_ctr) return absl::OkStatus();
  if (members_ == nullptr) {
    return absl::FailedPreconditionError("no container runtime to run the pod's infra container");
  }
  auto infra = members_->StartInfra(sandbox);
  if (!infra.ok()) {
    return absl::Status(infra.status().code(), fmt::format("start the infra container: {}",
                                                           AsStd(infra.status().message())));
  }
  sandbox.infra_id = infra->id;
  sandbox.infra_pid = infra->pid;
  rollback.Add([this, id = infra->id] { (void)members_->RemoveInfra(id); });
  return absl::OkStatus();
}

absl::Status Sandboxes::MakeFiles(Sandbox& sandbox, Rollback& rollback) {
  sandbox.run_dir = fmt::format("{}/pods/{}", options_.run_root, sandbox.id);
  RETURN_IF_ERROR(sys::MakeDirs(sandbox.run_dir, 0711));
  rollback.Add([dir = sandbox.run_dir] {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  });
  if (sandbox.spec.hostname.empty()) {
    char host[256] = {};
    if (sandbox.spec.host_network() && ::gethostname(host, sizeof host - 1) == 0) {
      sandbox.spec.hostname = host;
    } else {
      sandbox.spec.hostname = sandbox.id.substr(0, 12);
    }
  }
  sandbox.hostname_path = sandbox.run_dir + "/hostname";
  RETURN_IF_ERROR(WriteText(sandbox.hostname_path, HostnameFile(sandbox.spec.hostname)));
  std::string host_resolv;
  if (sandbox.spec.dns.empty()) {
    ASSIGN_OR_RETURN(host_resolv, ReadFileToString(options_.host_resolv_conf, kMaxHostFileBytes));
  }
  sandbox.resolv_path = sandbox.run_dir + "/resolv.conf";
  RETURN_IF_ERROR(WriteText(sandbox.resolv_path, ResolvConfFile(sandbox.spec.dns, host_resolv)));
  if (sandbox.spec.log_directory.empty()) {
    sandbox.spec.log_directory = fmt::format("{}/{}", options_.log_dir, sandbox.id);
  }
  RETURN_IF_ERROR(sys::MakeDirs(sandbox.spec.log_directory, 0700));
  if (sandbox.spec.host_ipc()) {
    sandbox.shm_path = "/dev/shm";
    return absl::OkStatus();
  }
  sandbox.shm_path = sandbox.run_dir + "/shm";
  RETURN_IF_ERROR(isolation_.MountShm(sandbox.shm_path, options_.shm_size_bytes));
  rollback.Add([this, path = sandbox.shm_path] { (void)isolation_.Unmount(path); });
  return absl::OkStatus();
}

absl::Status Sandboxes::MakeNamespaces(Sandbox& sandbox, Rollback& rollback) {
  ASSIGN_OR_RETURN(auto sysctls, Sysctls(sandbox.spec));
  ASSIGN_OR_RETURN(const sys::PinnedNamespaces pinned,
                   isolation_.Pin({.dir = options_.namespaces_dir,
                                   .name = sandbox.id,
                                   .net = !sandbox.spec.host_network(),
                                   .ipc = !sandbox.spec.host_ipc(),
                                   .uts = true,
                                   .hostname = sandbox.spec.hostname,
                                   .sysctls = std::move(sysctls)}));
  sandbox.netns_path = pinned.net;
  sandbox.ipcns_path = pinned.ipc;
  sandbox.utsns_path = pinned.uts;
  rollback.Add([this, pinned] {
    for (const std::string& path : {pinned.net, pinned.ipc, pinned.uts}) {
      if (!path.empty()) (void)isolation_.Unpin(path);
    }
  });
  return absl::OkStatus();
}

network::Attachment Sandboxes::AttachmentOf(const Sandbox& sandbox) const {
  network::Attachment attachment{.pod_id = sandbox.id,
                                 .netns = sandbox.netns_path,
                                 .pod_name = sandbox.spec.metadata.name,
                                 .pod_namespace = sandbox.spec.metadata.namespace_,
                                 .pod_uid = sandbox.spec.metadata.uid,
                                 .port_mappings = {},
                                 .cgroup_parent = sandbox.spec.cgroup_parent};
  for (const network::PortMapping& mapping : sandbox.spec.port_mappings) {
    if (mapping.host_port > 0) attachment.port_mappings.push_back(mapping);
  }
  const auto& annotations = sandbox.spec.annotations;
  const auto ingress = annotations.find("kubernetes.io/ingress-bandwidth");
  const auto egress = annotations.find("kubernetes.io/egress-bandwidth");
  if (ingress != annotations.end() || egress != annotations.end()) {
    // Run checked both quantities before the pod existed.
    auto rate = [&](auto annotation) -> uint64_t {
      if (annotation == annotations.end()) return 0;
      auto parsed = ParseBandwidth(annotation->second);
      return parsed.ok() ? *parsed : 0;
    };
    attachment.bandwidth =
        network::Bandwidth{.ingress_rate = rate(ingress), .egress_rate = rate(egress)};
  }
  std::shared_lock lock(mu_);
  attachment.pod_cidr = pod_cidr_;
  return attachment;
}

void Sandboxes::TimeStep(std::string_view step,
                         std::chrono::steady_clock::time_point started) const {
  if (!options_.step_timed) return;
  options_.step_timed(
      step, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

absl::Status Sandboxes::AttachNetwork(Sandbox& sandbox, Rollback& rollback) {
  if (sandbox.spec.host_network()) return absl::OkStatus();
  for (const char* key : {"kubernetes.io/ingress-bandwidth", "kubernetes.io/egress-bandwidth"}) {
    auto annotation = sandbox.spec.annotations.find(key);
    if (annotation != sandbox.spec.annotations.end()) {
      RETURN_IF_ERROR(ParseBandwidth(annotation->second).status());
    }
  }
  const network::Attachment attachment = AttachmentOf(sandbox);
  const auto started = std::chrono::steady_clock::now();
  auto attached = network_.Attach(attachment);
  if (attached.ok()) TimeStep("network_setup_pod", started);
  if (!attached.ok()) {
    return absl::Status(attached.status().code(), fmt::format("set up the pod network: {}",
                                                              AsStd(attached.status().message())));
  }
  sandbox.network = attached->network;
  sandbox.ips = attached->ips;
  rollback.Add([this, attachment] { (void)network_.Detach(attachment); });
  return absl::OkStatus();
}

absl::Status Sandboxes::CheckNetwork(const Sandbox& sandbox) const {
  if (sandbox.spec.host_network() || sandbox.state != SandboxState::kReady) {
    return absl::FailedPreconditionError("the pod has no network attachment to check");
  }
  return network_.Check(AttachmentOf(sandbox));
}

absl::Status Sandboxes::Stop(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
  if (members_ != nullptr) RETURN_IF_ERROR(members_->StopPodMembers(entry->Copy().id));
  std::lock_guard operation(entry->operation);
  return StopLocked(*entry);
}

absl::Status Sandboxes::StopLocked(Entry& entry) {
  Sandbox sandbox = entry.Copy();
  if (sandbox.state == SandboxState::kNotReady) return absl::OkStatus();
  if (!sandbox.netns_path.empty() && !sandbox.network.empty()) {
    if (auto detached = network_.Detach(AttachmentOf(sandbox)); !detached.ok()) {
      log::Warn("Pod sandbox {}: network teardown failed, removing its namespace anyway: {}",
                sandbox.id, AsStd(detached.message()));
    }
  }
  for (const std::string& path : {sandbox.netns_path, sandbox.ipcns_path, sandbox.utsns_path}) {
    if (!path.empty()) RETURN_IF_ERROR(isolation_.Unpin(path));
  }
  if (!sandbox.spec.host_ipc() && !sandbox.shm_path.empty()) {
    RETURN_IF_ERROR(isolation_.Unmount(sandbox.shm_path));
  }
  sandbox.state = SandboxState::kNotReady;
  RETURN_IF_ERROR(store_.Save(sandbox));
  {
    std::lock_guard data(entry.mu);
    entry.sandbox.state = SandboxState::kNotReady;
  }
  log::Info("Stopped pod sandbox {}", sandbox.id);
  return absl::OkStatus();
}

absl::Status Sandboxes::Remove(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
  if (members_ != nullptr) RETURN_IF_ERROR(members_->RemovePodMembers(entry->Copy().id));
  std::lock_guard operation(entry->operation);
  Sandbox sandbox = entry->Copy();
  {
    std::lock_guard data(entry->mu);
    if (entry->removed) return absl::OkStatus();
  }
  RETURN_IF_ERROR(StopLocked(*entry));
  std::error_code remove_error;
  fs::remove_all(sandbox.run_dir, remove_error);
  if (remove_error) {
    return absl::InternalError(
        fmt::format("remove {}: {}", sandbox.run_dir, remove_error.message()));
  }
  RETURN_IF_ERROR(store_.Delete(sandbox.id));
  {
    std::lock_guard data(entry->mu);
    entry->removed = true;
  }
  {
    std::unique_lock lock(mu_);
    by_id_.erase(sandbox.id);
    names_.erase(PodName(sandbox.spec.metadata));
  }
  log::Info("Removed pod sandbox {}", sandbox.id);
  return absl::OkStatus();
}

void Sandboxes::InfraExited(const std::string& id) {
  absl::Status ignored;
  auto entry = Find(id, &ignored);
  if (entry == nullptr) return;
  std::lock_guard data(entry->mu);
  if (!entry->sandbox.infra_exited && entry->sandbox.state == SandboxState::kReady) {
    log::Warn("Pod sandbox {}: its infra container exited; the pod is NOTREADY", id);
  }
  entry->sandbox.infra_exited = true;
}

absl::Status Sandboxes::Restore() {
  std::vector<std::string> corrupt;
  ASSIGN_OR_RETURN(std::vector<Sandbox> stored, store_.LoadAll(&corrupt));
  for (const std::string& why : corrupt) log::Error("Skipping unreadable pod row {}", why);
  for (Sandbox& sandbox : stored) {
    const bool rebooted = sandbox.boot_id != options_.boot_id;
    const bool lost_netns =
        !sandbox.netns_path.empty() && !sys::IsPinnedNamespace(sandbox.netns_path);
    if (sandbox.state == SandboxState::kReady && (rebooted || lost_netns)) {
      log::Warn("Pod sandbox {} lost its namespaces ({}); it is NOTREADY", sandbox.id,
                rebooted ? "the host rebooted" : "its network namespace is gone");
      for (const std::string& path : {sandbox.netns_path, sandbox.ipcns_path, sandbox.utsns_path}) {
        if (!path.empty()) (void)isolation_.Unpin(path);
      }
      sandbox.state = SandboxState::kNotReady;
      sandbox.boot_id = options_.boot_id;
      RETURN_IF_ERROR(store_.Save(sandbox));
    }
    auto entry = std::make_shared<Entry>();
    {
      std::lock_guard data(entry->mu);
      entry->sandbox = sandbox;
    }
    std::unique_lock lock(mu_);
    names_.emplace(PodName(sandbox.spec.metadata), sandbox.id);
    by_id_.emplace(sandbox.id, std::move(entry));
  }
  if (!stored.empty()) log::Info("Restored {} pod sandboxes", stored.size());
  return absl::OkStatus();
}

}  // namespace crio::sandbox
