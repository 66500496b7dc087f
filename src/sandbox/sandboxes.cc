#include "sandbox/sandboxes.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/random_id.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/step_hooks.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sandbox/pod_files.h"
#include "sandbox/sysctls.h"
#include "sandbox/validate.h"
#include "sys/cgroups.h"
#include "sys/unique_fd.h"
#include "sys/unix_socket.h"

namespace crio::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxHostFileBytes = 1 << 20;
// CNI DEL is tried this often, with these pauses, before Stop reports the failure.
constexpr std::chrono::milliseconds kDetachPauses[] = {std::chrono::milliseconds(200),
                                                       std::chrono::milliseconds(1000)};

// Pods restored at once after a reboot (each runs its CNI DEL).
constexpr size_t kRestoreWorkers = 8;

// Runs work(0) ... work(count - 1) on up to `workers` threads; the first error, if any.
absl::Status ForEachConcurrently(size_t count, size_t workers,
                                 const std::function<absl::Status(size_t)>& work) {
  std::atomic<size_t> next = 0;
  std::mutex mu;
  absl::Status first_error;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < std::min(workers, count); ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) {
        if (absl::Status done = work(i); !done.ok()) {
          std::lock_guard lock(mu);
          first_error.Update(done);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return first_error;
}

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

void Sandboxes::RemoveExpired() {
  for (const std::string& id : names_.Unclaimed()) {
    log::Warn(
        "Removing pod sandbox {}: it was built for a RunPodSandbox whose caller went away, "
        "and no retry claimed it in time",
        id);
    if (absl::Status removed = Remove(id); !removed.ok()) {
      log::Error("Pod sandbox {}: removal failed: {}", id, AsStd(removed.message()));
    }
  }
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

absl::StatusOr<PodHold> Sandboxes::Hold(const std::string& id, bool ready) const {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  std::shared_lock fence(entry->operation);
  Sandbox pod;
  {
    std::lock_guard data(entry->mu);
    if (entry->removed) return absl::NotFoundError(fmt::format("pod sandbox {} not found", id));
    pod = entry->sandbox;
  }
  if (ready && !pod.ready()) {
    return absl::FailedPreconditionError(fmt::format("pod sandbox {} is not ready", pod.id));
  }
  return PodHold(std::move(pod), std::move(entry), std::move(fence));
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

bool Sandboxes::AnnotationAllowed(const SandboxSpec& spec, std::string_view key) const {
  return options_.annotation_allowed && options_.annotation_allowed(spec, key);
}

absl::StatusOr<uint64_t> Sandboxes::ShmSize(const SandboxSpec& spec) const {
  static constexpr std::string_view kShmSizeAnnotation = "io.kubernetes.cri-o.ShmSize";
  const auto annotation = spec.annotations.find(std::string(kShmSizeAnnotation));
  if (annotation == spec.annotations.end() || !AnnotationAllowed(spec, kShmSizeAnnotation)) {
    return options_.shm_size_bytes;
  }
  auto size = ParseQuantity(annotation->second);
  if (!size.ok()) {
    return absl::InvalidArgumentError(fmt::format("failed to parse shm size '{}': {}",
                                                  annotation->second,
                                                  AsStd(size.status().message())));
  }
  return size;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Sandboxes::Sysctls(
    const SandboxSpec& spec) const {
  const SysctlScope scope{.host_network = spec.host_network(), .host_ipc = spec.host_ipc()};
  std::vector<std::string> skipped;
  auto sysctls = DefaultSysctls(options_.default_sysctls, scope, &skipped);
  for (const std::string& why : skipped) log::Warn("default_sysctls: skipping {}", why);
  std::vector<std::string> host_scoped;
  ASSIGN_OR_RETURN(auto requested, ValidateSysctls(spec.sysctls, scope, &host_scoped));
  for (const std::string& why : host_scoped) log::Warn("Skipping {}", why);
  // The pod's own values win over the defaults.
  for (auto& [key, value] : requested) {
    std::erase_if(sysctls, [&](const auto& entry) { return entry.first == key; });
    sysctls.emplace_back(key, value);
  }
  return sysctls;
}

absl::StatusOr<Sandbox> Sandboxes::Run(SandboxSpec spec, const Caller& caller) {
  RemoveExpired();
  RETURN_IF_ERROR(ValidateSpec(spec));
  if (auto unsupported = options_.unsupported_handlers.find(spec.runtime_handler);
      unsupported != options_.unsupported_handlers.end()) {
    return absl::FailedPreconditionError(
        fmt::format("runtime handler \"{}\" has runtime_type \"{}\", which crio does not support",
                    spec.runtime_handler, unsupported->second));
  }
  if (!spec.runtime_handler.empty() && !options_.runtime_handlers.contains(spec.runtime_handler)) {
    return absl::InvalidArgumentError(
        fmt::format("runtime handler \"{}\" is not configured", spec.runtime_handler));
  }
  RETURN_IF_ERROR(ValidateCgroupParent(spec.cgroup_parent, options_.cgroup_manager));
  RETURN_IF_ERROR(Sysctls(spec).status());
  RETURN_IF_ERROR(ShmSize(spec).status());
  Sandbox sandbox{.id = NewRandomId(), .spec = std::move(spec)};
  sandbox.created_at = Now();
  sandbox.boot_id = options_.boot_id;
  const std::string name = PodName(sandbox.spec.metadata);
  ASSIGN_OR_RETURN(const std::optional<std::string> kept, names_.Reserve(name, sandbox.id, caller));
  if (kept) {
    log::Info(
        "RunPodSandbox for {} retried: returning pod sandbox {}, built for the earlier "
        "request",
        name, *kept);
    return Get(*kept);
  }
  Rollback rollback;
  rollback.Add("release the pod name " + name, [this, name] {
    names_.Release(name);
    return absl::OkStatus();
  });

  auto entry = std::make_shared<Entry>();
  std::unique_lock operation(entry->operation);
  SetPaths(sandbox);
  sandbox.creating = true;
  RETURN_IF_ERROR(store_.Save(sandbox));
  rollback.AddIfClean(fmt::format("forget pod sandbox {}", sandbox.id),
                      [this, id = sandbox.id] { return store_.Delete(id); });
  AfterStep("pod.intent");
  RETURN_IF_ERROR(Build(sandbox, rollback));
  sandbox.creating = false;
  RETURN_IF_ERROR(store_.Save(sandbox));
  AfterStep("pod.created");
  {
    std::lock_guard data(entry->mu);
    entry->sandbox = sandbox;
  }
  {
    std::unique_lock lock(mu_);
    by_id_.emplace(sandbox.id, entry);
  }
  const bool caller_gone = caller.Gone();
  names_.Created(name, caller_gone);
  rollback.Commit();
  log::Info("Ran pod sandbox {} ({}/{}) with IPs [{}]", sandbox.id,
            sandbox.spec.metadata.namespace_, sandbox.spec.metadata.name,
            fmt::join(sandbox.ips, ", "));
  if (caller_gone) {
    log::Warn("Pod sandbox {}: its RunPodSandbox caller went away; kept for a retry", sandbox.id);
  }
  return sandbox;
}

std::string Sandboxes::DefaultLogDirectory(const std::string& id) const {
  return fmt::format("{}/{}", options_.log_dir, id);
}

void Sandboxes::SetPaths(Sandbox& sandbox) const {
  sandbox.run_dir = fmt::format("{}/pods/{}", options_.run_root, sandbox.id);
  sandbox.hostname_path = sandbox.run_dir + "/hostname";
  sandbox.resolv_path = sandbox.run_dir + "/resolv.conf";
  sandbox.hosts_path = sandbox.run_dir + "/hosts";
  sandbox.shm_path = sandbox.spec.host_ipc() ? "/dev/shm" : sandbox.run_dir + "/shm";
}

absl::Status Sandboxes::Build(Sandbox& sandbox, Rollback& rollback) {
  RETURN_IF_ERROR(MakeFiles(sandbox, rollback));
  AfterStep("pod.files");
  const auto network_started = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(MakeNamespaces(sandbox, rollback));
  AfterStep("pod.namespaces");
  RETURN_IF_ERROR(AttachNetwork(sandbox, rollback));
  AfterStep("pod.network");
  if (!sandbox.spec.host_network()) TimeStep("network_setup_overall", network_started);
  if (sandbox.spec.host_network()) {
    ASSIGN_OR_RETURN(const std::string hosts,
                     ReadFileToString(options_.host_hosts, kMaxHostFileBytes));
    RETURN_IF_ERROR(WriteText(sandbox.hosts_path, hosts));
  } else {
    RETURN_IF_ERROR(WriteText(sandbox.hosts_path, HostsFile(sandbox.spec.hostname, sandbox.ips)));
  }
  RETURN_IF_ERROR(StartInfra(sandbox, rollback));
  if (!sandbox.infra_id.empty()) AfterStep("pod.infra");
  return absl::OkStatus();
}

std::optional<LinkedLogs> Sandboxes::LinkedLogsOf(const Sandbox& sandbox) const {
  const auto volume = sandbox.spec.annotations.find(kLinkLogsAnnotation);
  if (volume == sandbox.spec.annotations.end() ||
      !AnnotationAllowed(sandbox.spec, kLinkLogsAnnotation)) {
    return std::nullopt;
  }
  auto paths = LinkedLogsPaths(options_.kubelet_dirs, sandbox.spec.metadata, volume->second);
  if (!paths.ok()) {
    log::Warn("Pod sandbox {}: failed to link logs: {}", sandbox.id,
              AsStd(paths.status().message()));
    return std::nullopt;
  }
  return *paths;
}

void Sandboxes::MountPodLogs(const Sandbox& sandbox, Rollback& rollback) {
  const std::optional<LinkedLogs> logs = LinkedLogsOf(sandbox);
  if (!logs) return;
  const auto mounted = [&]() -> absl::Status {
    if (!fs::is_directory(logs->volume)) {
      return absl::NotFoundError(fmt::format("failed to find {}", logs->volume));
    }
    if (::mkdir(logs->mount_point.c_str(), 0755) != 0) {
      return ErrnoToStatus(errno, "failed to create directory " + logs->mount_point);
    }
    log::Info("Mounting from {} to {} for linked logs", logs->pod_logs, logs->mount_point);
    return isolation_.BindMount(logs->pod_logs, logs->mount_point);
  }();
  if (!mounted.ok()) {
    log::Warn("Failed to link logs: {}", AsStd(mounted.message()));
    return;
  }
  rollback.Add("unmount the linked logs " + logs->mount_point,
               [this, path = logs->mount_point] { return isolation_.Unmount(path); });
}

void Sandboxes::LinkContainerLogs(const Sandbox& pod, const std::string& id,
                                  const std::string& name, uint32_t attempt) const {
  const std::optional<LinkedLogs> logs = LinkedLogsOf(pod);
  if (!logs) return;
  // A relative target, right inside and outside a container that mounts the volume.
  const std::string from = fmt::format("{}/{}.log", name, attempt);
  const std::string to = logs->mount_point + "/" + id;
  log::Info("Symlinking from {} to {} for linked logs", from, to);
  if (::symlink(from.c_str(), to.c_str()) != 0) {
    log::Warn("Failed to link container logs: symlink {} {}: {}", from, to, std::strerror(errno));
  }
}

absl::StatusOr<std::string> Sandboxes::PodCgroupPath(const Sandbox& sandbox) const {
  const std::string& parent = sandbox.spec.cgroup_parent;
  if (options_.cgroup_manager == "systemd") {
    if (parent.empty()) return std::string();
    ASSIGN_OR_RETURN(const std::string slice, sys::SlicePath(parent));
    return fmt::format("{}/crio-{}", slice == "/" ? "" : slice, sandbox.id);
  }
  return sys::CgroupfsChild(parent, "crio-" + sandbox.id);
}

absl::Status Sandboxes::StartInfra(Sandbox& sandbox, Rollback& rollback) {
  if (!sandbox.shares_pid_namespace() && options_.drop_infra_ctr) {
    ASSIGN_OR_RETURN(const std::string cgroup, PodCgroupPath(sandbox));
    if (cgroup.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(isolation_.MakePodCgroup(cgroup));
    rollback.Add("remove the pod's cgroup " + cgroup,
                 [this, cgroup] { return isolation_.RemovePodCgroup(cgroup); });
    return absl::OkStatus();
  }
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
  sandbox.infra_image = infra->image;
  rollback.Add("remove the infra container " + infra->id,
               [this, id = infra->id] { return members_->RemoveInfra(id); });
  return absl::OkStatus();
}

absl::Status Sandboxes::MakeFiles(Sandbox& sandbox, Rollback& rollback) {
  RETURN_IF_ERROR(sys::MakeDirs(sandbox.run_dir, 0711));
  // Only once the shm tmpfs in it is unmounted: never a recursive removal through a mount.
  rollback.AddIfClean("remove " + sandbox.run_dir, [dir = sandbox.run_dir] {
    std::error_code error;
    fs::remove_all(dir, error);
    return error ? ErrnoToStatus(error.value(), "remove " + dir) : absl::OkStatus();
  });
  if (sandbox.spec.hostname.empty()) {
    char host[256] = {};
    if (sandbox.spec.host_network() && ::gethostname(host, sizeof host - 1) == 0) {
      sandbox.spec.hostname = host;
    } else {
      sandbox.spec.hostname = sandbox.id.substr(0, 12);
    }
  }
  RETURN_IF_ERROR(WriteText(sandbox.hostname_path, HostnameFile(sandbox.spec.hostname)));
  std::string host_resolv;
  if (sandbox.spec.dns.empty()) {
    ASSIGN_OR_RETURN(host_resolv, ReadFileToString(options_.host_resolv_conf, kMaxHostFileBytes));
  }
  RETURN_IF_ERROR(WriteText(sandbox.resolv_path, ResolvConfFile(sandbox.spec.dns, host_resolv)));
  if (sandbox.spec.log_directory.empty()) {
    sandbox.spec.log_directory = DefaultLogDirectory(sandbox.id);
  }
  RETURN_IF_ERROR(sys::MakeDirs(sandbox.spec.log_directory, 0700));
  if (!sandbox.spec.host_ipc()) {
    ASSIGN_OR_RETURN(const uint64_t shm_size, ShmSize(sandbox.spec));
    RETURN_IF_ERROR(isolation_.MountShm(sandbox.shm_path, shm_size));
    rollback.Add("unmount " + sandbox.shm_path,
                 [this, path = sandbox.shm_path] { return isolation_.Unmount(path); });
  }
  MountPodLogs(sandbox, rollback);
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
  rollback.Add("unpin the namespaces of pod sandbox " + sandbox.id, [this, pinned] {
    absl::Status unpinned;
    for (const std::string& path : {pinned.net, pinned.ipc, pinned.uts}) {
      if (!path.empty()) unpinned.Update(isolation_.Unpin(path));
    }
    return unpinned;
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
  sandbox.network_attached = true;
  rollback.Add("detach the network of pod sandbox " + sandbox.id,
               [this, attachment] { return network_.Detach(attachment); });
  return MapHostPorts(sandbox, attachment.port_mappings, rollback);
}

absl::Status Sandboxes::MapHostPorts(const Sandbox& sandbox,
                                     const std::vector<network::PortMapping>& mappings,
                                     Rollback& rollback) {
  if (options_.hostports == nullptr || mappings.empty()) return absl::OkStatus();
  const auto ipv4 = std::find_if(sandbox.ips.begin(), sandbox.ips.end(), [](const std::string& ip) {
    return ip.find('.') != std::string::npos;
  });
  if (ipv4 == sandbox.ips.end()) return absl::OkStatus();  // iptables maps IPv4 only
  const PodMetadata& metadata = sandbox.spec.metadata;
  RETURN_IF_ERROR(options_.hostports->Add(
      sandbox.id, fmt::format("{}_{}", metadata.name, metadata.namespace_), *ipv4, mappings));
  rollback.Add("remove the host ports of pod sandbox " + sandbox.id,
               [this, id = sandbox.id, mappings] {
                 return options_.hostports->Remove(id, mappings);
               });
  return absl::OkStatus();
}

void Sandboxes::UnmapHostPorts(const Sandbox& sandbox) {
  if (options_.hostports == nullptr || sandbox.spec.host_network()) return;
  if (auto removed = options_.hostports->Remove(sandbox.id, AttachmentOf(sandbox).port_mappings);
      !removed.ok()) {
    log::Warn("Failed to remove hostport for pod sandbox {}: {}", sandbox.id,
              AsStd(removed.message()));
  }
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
  std::unique_lock operation(entry->operation);
  const std::string pod_id = entry->Copy().id;
  if (members_ != nullptr) RETURN_IF_ERROR(members_->StopPodMembers(pod_id));
  AfterStep("pod.stop.members");
  return StopLocked(*entry);
}

absl::Status Sandboxes::DetachNetwork(const Sandbox& sandbox) {
  const network::Attachment attachment = AttachmentOf(sandbox);
  absl::Status detached = network_.Detach(attachment);
  for (const auto pause : kDetachPauses) {
    if (detached.ok()) break;
    log::Warn("Pod sandbox {}: network teardown failed, retrying: {}", sandbox.id,
              AsStd(detached.message()));
    std::this_thread::sleep_for(pause);
    detached = network_.Detach(attachment);
  }
  return detached;
}

absl::Status Sandboxes::StopLocked(Entry& entry) {
  Sandbox sandbox = entry.Copy();
  if (const std::optional<LinkedLogs> logs = LinkedLogsOf(sandbox)) {
    log::Info("Unmounting {} for linked logs", logs->mount_point);
    if (auto unmounted = isolation_.Unmount(logs->mount_point); !unmounted.ok()) {
      log::Warn("Failed to unlink logs: {}", AsStd(unmounted.message()));
    }
  }
  if (sandbox.state == SandboxState::kNotReady && !sandbox.network_attached) {
    return absl::OkStatus();
  }
  absl::Status detached;
  if (sandbox.network_attached) {
    UnmapHostPorts(sandbox);
    detached = DetachNetwork(sandbox);
    if (detached.ok()) sandbox.network_attached = false;
  }
  AfterStep("pod.stop.network");
  // The namespaces and shm go even when DEL failed: a retried DEL needs neither.
  for (const std::string& path : {sandbox.netns_path, sandbox.ipcns_path, sandbox.utsns_path}) {
    if (!path.empty()) RETURN_IF_ERROR(isolation_.Unpin(path));
  }
  AfterStep("pod.stop.namespaces");
  if (!sandbox.spec.host_ipc() && !sandbox.shm_path.empty()) {
    RETURN_IF_ERROR(isolation_.Unmount(sandbox.shm_path));
  }
  sandbox.state = SandboxState::kNotReady;
  RETURN_IF_ERROR(store_.Save(sandbox));
  {
    std::lock_guard data(entry.mu);
    entry.sandbox.state = SandboxState::kNotReady;
    entry.sandbox.network_attached = sandbox.network_attached;
  }
  if (!detached.ok()) {
    log::Error(
        "Pod sandbox {}: network teardown failed; StopPodSandbox and RemovePodSandbox "
        "retry it: {}",
        sandbox.id, AsStd(detached.message()));
    return absl::Status(detached.code(),
                        fmt::format("tear down the pod network: {}", AsStd(detached.message())));
  }
  log::Info("Stopped pod sandbox {}", sandbox.id);
  return absl::OkStatus();
}

absl::Status Sandboxes::Remove(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
  std::unique_lock operation(entry->operation);
  Sandbox sandbox = entry->Copy();
  {
    std::lock_guard data(entry->mu);
    if (entry->removed) return absl::OkStatus();
  }
  if (members_ != nullptr) RETURN_IF_ERROR(members_->RemovePodMembers(sandbox.id));
  AfterStep("pod.remove.members");
  RETURN_IF_ERROR(StopLocked(*entry));
  AfterStep("pod.remove.stopped");
  if (sandbox.infra_id.empty()) {
    ASSIGN_OR_RETURN(const std::string cgroup, PodCgroupPath(sandbox));
    if (!cgroup.empty()) RETURN_IF_ERROR(isolation_.RemovePodCgroup(cgroup));
  }
  std::error_code remove_error;
  fs::remove_all(sandbox.run_dir, remove_error);
  if (remove_error) {
    return absl::InternalError(
        fmt::format("remove {}: {}", sandbox.run_dir, remove_error.message()));
  }
  // The log dir crio made because the request named none; one the kubelet named is its own.
  if (sandbox.spec.log_directory == DefaultLogDirectory(sandbox.id)) {
    std::error_code ignored;  // logs only: a leftover is no reason to keep the pod
    fs::remove_all(sandbox.spec.log_directory, ignored);
  }
  AfterStep("pod.remove.files");
  RETURN_IF_ERROR(store_.Delete(sandbox.id));
  {
    std::lock_guard data(entry->mu);
    entry->removed = true;
  }
  {
    std::unique_lock lock(mu_);
    by_id_.erase(sandbox.id);
  }
  names_.Release(PodName(sandbox.spec.metadata));
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
  std::set<std::string> known;
  for (const std::string& why : corrupt) {
    log::Error("Skipping unreadable pod row {}", why);
    unreadable_.insert(why.substr(0, why.find(':')));
  }
  known.insert(unreadable_.begin(), unreadable_.end());
  std::vector<Sandbox*> kept;
  for (Sandbox& sandbox : stored) {
    known.insert(sandbox.id);
    if (sandbox.creating) {
      AbandonCreation(sandbox);
    } else {
      kept.push_back(&sandbox);
    }
  }
  // A reboot leaves every pod to detach: one CNI DEL is some 50 ms of plugin runs, so they
  // run kRestoreWorkers at a time.
  RETURN_IF_ERROR(ForEachConcurrently(kept.size(), kRestoreWorkers, [&](size_t i) {
    Sandbox& sandbox = *kept[i];
    const bool rebooted = sandbox.boot_id != options_.boot_id;
    const bool lost_netns = !sandbox.netns_path.empty() && !isolation_.IsPinned(sandbox.netns_path);
    if ((sandbox.state == SandboxState::kReady && (rebooted || lost_netns)) ||
        (rebooted && sandbox.network_attached)) {
      return RestoreLost(sandbox, rebooted);
    }
    return absl::OkStatus();
  }));
  for (const Sandbox* sandbox : kept) {
    auto entry = std::make_shared<Entry>();
    {
      std::lock_guard data(entry->mu);
      entry->sandbox = *sandbox;
    }
    names_.Restore(PodName(sandbox->spec.metadata), sandbox->id);
    std::unique_lock lock(mu_);
    by_id_.emplace(sandbox->id, std::move(entry));
  }
  const size_t restored = kept.size();
  if (restored > 0) log::Info("Restored {} pod sandboxes", restored);
  SweepOrphans(known);
  return absl::OkStatus();
}

absl::Status Sandboxes::RestoreLost(Sandbox& sandbox, bool rebooted) {
  log::Warn("Pod sandbox {} lost its namespaces ({}); it is NOTREADY", sandbox.id,
            rebooted ? "the host rebooted" : "its network namespace is gone");
  if (sandbox.network_attached) {
    // The plugins release what they hold for the pod (its IP above all) from their cache.
    if (absl::Status detached = DetachNetwork(sandbox); detached.ok()) {
      sandbox.network_attached = false;
    } else {
      log::Error("Pod sandbox {}: network teardown failed; StopPodSandbox retries it: {}",
                 sandbox.id, AsStd(detached.message()));
    }
  }
  for (const std::string& path : {sandbox.netns_path, sandbox.ipcns_path, sandbox.utsns_path}) {
    if (!path.empty()) (void)isolation_.Unpin(path);
  }
  if (!sandbox.spec.host_ipc() && !sandbox.shm_path.empty()) {
    (void)isolation_.Unmount(sandbox.shm_path);
  }
  sandbox.state = SandboxState::kNotReady;
  sandbox.boot_id = options_.boot_id;
  return store_.Save(sandbox);
}

void Sandboxes::AbandonCreation(const Sandbox& sandbox) {
  log::Warn("Removing pod sandbox {}: crio stopped while running it", sandbox.id);
  const sys::PinnedNamespaces pins = sys::PinPaths(options_.namespaces_dir, sandbox.id);
  absl::Status undone;
  if (!sandbox.spec.host_network()) {
    UnmapHostPorts(sandbox);
    Sandbox attached = sandbox;
    attached.netns_path = pins.net;
    undone.Update(network_.Detach(AttachmentOf(attached)));
  }
  for (const std::string& path : {pins.net, pins.ipc, pins.uts}) {
    undone.Update(isolation_.Unpin(path));
  }
  if (!sandbox.spec.host_ipc() && !sandbox.shm_path.empty()) {
    undone.Update(isolation_.Unmount(sandbox.shm_path));
  }
  if (auto cgroup = PodCgroupPath(sandbox); cgroup.ok() && !cgroup->empty()) {
    undone.Update(isolation_.RemovePodCgroup(*cgroup));
  }
  if (const std::optional<LinkedLogs> logs = LinkedLogsOf(sandbox)) {
    undone.Update(isolation_.Unmount(logs->mount_point));
  }
  if (!sandbox.run_dir.empty() && undone.ok()) {  // never through a mount left in it
    std::error_code error;
    fs::remove_all(sandbox.run_dir, error);
    if (error) undone.Update(ErrnoToStatus(error.value(), "remove " + sandbox.run_dir));
  }
  // The row stays while anything is left, so the next start tries again.
  if (undone.ok()) undone = store_.Delete(sandbox.id);
  if (!undone.ok()) {
    log::Error("Half-built pod sandbox {} not fully removed: {}", sandbox.id,
               AsStd(undone.message()));
  }
}

void Sandboxes::SweepOrphans(const std::set<std::string>& known) {
  // Leftovers are swept only under the names crio gives.
  auto orphan = [&](const std::string& id) { return IsRandomId(id) && !known.contains(id); };
  size_t swept = 0;
  // Network first, while the namespace still exists for the plugins to clean inside.
  for (network::Attachment& attachment : network_.Recorded()) {
    if (!orphan(attachment.pod_id) ||
        attachment.netns != sys::PinPaths(options_.namespaces_dir, attachment.pod_id).net) {
      continue;  // not one of crio's pods, or one it still knows
    }
    log::Warn("Detaching the network of pod sandbox {}, which crio no longer knows",
              attachment.pod_id);
    if (absl::Status detached = network_.Detach(attachment); !detached.ok()) {
      log::Error("Pod sandbox {}: network teardown failed: {}", attachment.pod_id,
                 AsStd(detached.message()));
    }
    ++swept;
  }
  for (const std::string& pin : isolation_.ListPins(options_.namespaces_dir)) {
    if (!orphan(fs::path(pin).filename().string())) continue;
    log::Warn("Removing the namespace pin {} of a pod sandbox crio no longer knows", pin);
    if (absl::Status unpinned = isolation_.Unpin(pin); !unpinned.ok()) {
      log::Error("Cannot remove {}: {}", pin, AsStd(unpinned.message()));
    }
    ++swept;
  }
  std::error_code error;
  for (const auto& dir : fs::directory_iterator(options_.run_root + "/pods", error)) {
    if (!orphan(dir.path().filename().string())) continue;
    log::Warn("Removing {}, the run dir of a pod sandbox crio no longer knows",
              dir.path().string());
    const std::string shm = dir.path().string() + "/shm";
    if (absl::Status unmounted = isolation_.Unmount(shm); !unmounted.ok()) {
      log::Error("Cannot unmount {}: {}", shm, AsStd(unmounted.message()));
      continue;
    }
    std::error_code removed;
    fs::remove_all(dir.path(), removed);
    ++swept;
  }
  if (swept > 0) log::Warn("Start-up reconciliation removed {} pod leftovers", swept);
}

}  // namespace crio::sandbox
