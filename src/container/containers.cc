#include "container/containers.h"

#include <signal.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <future>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/random_id.h"
#include "common/status_macros.h"
#include "common/step_hooks.h"
#include "common/strings.h"
#include "container/hooks.h"
#include "container/validate.h"
#include "fmt/format.h"
#include "image/image_config.h"
#include "nlohmann/json.hpp"
#include "sys/unix_socket.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

constexpr auto kKillWait = std::chrono::seconds(10);  // after SIGKILL, for conmon's exit file
// StopPodSandbox's grace per container, CRI-O's default when the request sets no deadline.
constexpr int64_t kPodStopTimeoutSeconds = 10;

bool MatchesFilter(const Container& container, const ContainerFilter& filter) {
  if (!container.id.starts_with(filter.id_prefix)) return false;
  if (!container.request.pod_id.starts_with(filter.pod_id_prefix)) return false;
  if (filter.state && container.state != *filter.state) return false;
  return std::all_of(
      filter.label_selector.begin(), filter.label_selector.end(), [&](const auto& pair) {
        auto label = container.request.labels.find(pair.first);
        return label != container.request.labels.end() && label->second == pair.second;
      });
}

int ParseSignal(const std::string& name) {
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},     {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
      {"USR1", SIGUSR1},   {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP},
      {"WINCH", SIGWINCH}, {"PWR", SIGPWR}};
  std::string bare = name;
  if (bare.starts_with("SIG")) bare = bare.substr(3);
  for (const auto& [signal_name, number] : kSignals) {
    if (bare == signal_name) return number;
  }
  int number = 0;
  const auto [end, error] = std::from_chars(bare.data(), bare.data() + bare.size(), number);
  return error == std::errc() && number > 0 && number < 65 ? number : SIGTERM;
}

}  // namespace

Containers::Containers(ContainersOptions options, ContainerStore& store,
                       sandbox::Sandboxes& sandboxes, ImageSource& images,
                       storage::ContainerRootfs& rootfs, oci::RuntimeHandlers& runtimes)
    : options_(std::move(options)),
      store_(store),
      sandboxes_(sandboxes),
      images_(images),
      rootfs_(rootfs),
      runtimes_(runtimes) {}

void Containers::Publish(const Container& container, EventType type) const {
  if (container.infra) return;  // crio's own
  if (Reloadable().pod_events) {  // the line CRI-O logs for each event, which its tests wait for
    static constexpr std::array<std::string_view, 4> kNames = {
        "CONTAINER_CREATED_EVENT", "CONTAINER_STARTED_EVENT", "CONTAINER_STOPPED_EVENT",
        "CONTAINER_DELETED_EVENT"};
    log::Debug("Container event {} generated for {}", kNames[static_cast<size_t>(type)],
               container.id);
  }
  // Without subscribers there is nobody to tell.
  if (options_.events == nullptr || !options_.events->HasSubscribers()) return;
  ContainerEvent event{.container_id = container.id,
                       .pod_id = container.request.pod_id,
                       .type = type,
                       .at = Now(),
                       .pod = std::nullopt,
                       .pod_containers = List({.id_prefix = "",
                                               .pod_id_prefix = container.request.pod_id,
                                               .state = std::nullopt,
                                               .label_selector = {}})};
  if (auto pod = sandboxes_.Get(container.request.pod_id); pod.ok()) event.pod = std::move(*pod);
  options_.events->Publish(event);
}

ReloadableOptions Containers::Reloadable() const {
  return options_.reloadable ? options_.reloadable() : ReloadableOptions{};
}

int64_t Containers::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Containers::RemoveUnclaimed() {
  for (const std::string& id : names_.Unclaimed()) {
    log::Warn(
        "Removing container {}: it was created for a CreateContainer whose caller went "
        "away, and no retry claimed it in time",
        id);
    if (absl::Status removed = Remove(id); !removed.ok()) {
      log::Error("Container {}: removal failed: {}", id, AsStd(removed.message()));
    }
  }
}

std::shared_ptr<Containers::Entry> Containers::Find(const std::string& id_or_prefix,
                                                    absl::Status* error, bool infra) const {
  std::shared_lock lock(mu_);
  if (id_or_prefix.empty()) {
    *error = absl::InvalidArgumentError("container ID is empty");
    return nullptr;
  }
  std::shared_ptr<Entry> found;
  for (auto it = by_id_.lower_bound(id_or_prefix);
       it != by_id_.end() && it->first.starts_with(id_or_prefix); ++it) {
    if (it->second->infra && !infra) continue;
    if (it->first == id_or_prefix) return it->second;
    if (found != nullptr) {
      *error = absl::InvalidArgumentError(
          fmt::format("container ID prefix {} is ambiguous", id_or_prefix));
      return nullptr;
    }
    found = it->second;
  }
  if (found == nullptr) {
    *error = absl::NotFoundError(fmt::format("container {} not found", id_or_prefix));
  }
  return found;
}

absl::StatusOr<Container> Containers::Running(const std::string& id) const {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  Container container = entry->Copy();
  if (container.state != ContainerState::kRunning) {
    return absl::FailedPreconditionError(fmt::format("container {} is not running", container.id));
  }
  return container;
}

absl::StatusOr<Container> Containers::Get(const std::string& id_or_prefix) const {
  absl::Status error;
  auto entry = Find(id_or_prefix, &error);
  if (entry == nullptr) return error;
  return entry->Copy();
}

std::vector<Container> Containers::List(const ContainerFilter& filter) const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::shared_lock lock(mu_);
    for (auto it = by_id_.lower_bound(filter.id_prefix);
         it != by_id_.end() && it->first.starts_with(filter.id_prefix); ++it) {
      if (!it->second->infra) entries.push_back(it->second);
    }
  }
  std::vector<Container> matching;
  for (const auto& entry : entries) {
    Container container = entry->Copy();
    if (MatchesFilter(container, filter)) matching.push_back(std::move(container));
  }
  std::sort(matching.begin(), matching.end(),
            [](const Container& a, const Container& b) { return a.created_at < b.created_at; });
  return matching;
}

std::optional<std::string> Containers::ContainerUsing(const std::string& image_id) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, entry] : by_id_) {
    if (entry->Copy().image_id == image_id) return id;
  }
  return std::nullopt;
}

absl::Status Containers::Persist(Entry& entry) {
  Container copy;
  std::string name;
  {
    std::lock_guard lock(entry.mu);
    copy = entry.container;
    name = entry.name;
  }
  return store_.Save(copy, name);
}

absl::StatusOr<Container> Containers::Create(ContainerRequest request, const Caller& caller) {
  RemoveUnclaimed();
  RETURN_IF_ERROR(ValidateRequest(request));
  RETURN_IF_ERROR(ValidateResources(request.resources));
  // Held until the container exists: a StopPodSandbox waits for it, then stops it.
  auto hold = sandboxes_.Hold(request.pod_id, /*ready=*/true);
  if (absl::IsFailedPrecondition(hold.status())) {
    return absl::FailedPreconditionError(
        fmt::format("{}; cannot create containers in it", AsStd(hold.status().message())));
  }
  if (!hold.ok()) return hold.status();
  RETURN_IF_ERROR(ValidateForPod(request, hold->pod()));
  return CreateIn(std::move(request), hold->pod(), /*infra=*/false, caller);
}

absl::StatusOr<Container> Containers::CreateIn(ContainerRequest request,
                                               const sandbox::Sandbox& pod, bool infra,
                                               const Caller& caller) {
  request.pod_id = pod.id;
  // The infra container is known to the runtime by the pod's ID, as CRI-O names it.
  Container container{.id = infra ? pod.id : NewRandomId(), .request = std::move(request)};
  container.infra = infra;
  container.created_at = Now();
  container.boot_id = options_.boot_id;
  const std::string name = ContainerName(container.request, pod.spec.metadata);
  ASSIGN_OR_RETURN(const std::optional<std::string> kept,
                   names_.Reserve(name, container.id, caller));
  if (kept) {
    log::Info(
        "CreateContainer for {} retried: returning container {}, created for the earlier "
        "request",
        name, *kept);
    return Get(*kept);
  }
  Rollback rollback;
  rollback.Add("release the container name " + name, [this, name] {
    names_.Release(name);
    return absl::OkStatus();
  });

  auto entry = std::make_shared<Entry>();
  entry->infra = infra;
  std::lock_guard operation(entry->operation);
  SetPaths(container);
  container.runtime_handler = pod.spec.runtime_handler;
  container.creating = true;  // the intent: Restore tears down what Build left if crio exits
  RETURN_IF_ERROR(store_.Save(container, name));
  rollback.AddIfClean(fmt::format("forget container {}", container.id),
                      [this, id = container.id] { return store_.Delete(id); });
  AfterStep("container.intent");
  RETURN_IF_ERROR(Build(container, name, pod, rollback));
  container.creating = false;
  {
    std::lock_guard data(entry->mu);
    entry->container = container;
    entry->name = name;
  }
  RETURN_IF_ERROR(Persist(*entry));
  AfterStep("container.created");
  {
    std::unique_lock lock(mu_);
    by_id_.emplace(container.id, entry);
  }
  names_.Created(name, caller.Gone());
  rollback.Commit();
  log::Info("Created container {} ({}) in pod sandbox {}", container.id, name, pod.id);
  if (!infra) {
    sandboxes_.LinkContainerLogs(pod, container.id, container.request.name,
                                 container.request.attempt);
  }
  Publish(container, EventType::kCreated);
  return container;
}

void Containers::SetPaths(Container& container) const {
  container.persist_dir =
      fmt::format("{}/overlay-containers/{}/userdata", options_.root, container.id);
  container.bundle =
      fmt::format("{}/overlay-containers/{}/userdata", options_.run_root, container.id);
}

// CRI-O's RuntimeContainerMetadata, which it keeps in the container's containers/storage
// record: how podman and CRI-O itself tell whose container it is.
std::string StorageMetadata(const Container& container, const std::string& name,
                            const sandbox::Sandbox& pod) {
  nlohmann::json metadata = {{"pod-name", sandbox::PodName(pod.spec.metadata)},
                             {"pod-id", pod.id},
                             {"image-name", container.image_name},
                             {"image-id", container.image_id},
                             {"name", name},
                             {"metadata-name", container.request.name},
                             {"uid", pod.spec.metadata.uid},
                             {"namespace", pod.spec.metadata.namespace_},
                             {"created-at", container.created_at / 1'000'000'000},
                             {"attempt", container.request.attempt}};
  if (container.infra) metadata["pod"] = true;
  return metadata.dump();
}

absl::Status Containers::Build(Container& container, const std::string& name,
                               const sandbox::Sandbox& pod, Rollback& rollback) {
  ASSIGN_OR_RETURN(const auto image, images_.Find(container.request.image));
  if (!image) {
    return absl::NotFoundError(
        fmt::format("image \"{}\" is not present; pull it first", container.request.image));
  }
  container.image_id = image->id;
  container.image_name =
      image->repo_tags.empty() ? container.request.image : image->repo_tags.front();
  container.image_ref = image->repo_digests.empty() ? image->id : image->repo_digests.front();
  ASSIGN_OR_RETURN(const std::string config_text, images_.Config(image->id));
  ASSIGN_OR_RETURN(const image::ImageConfig image_config, image::ParseImageConfig(config_text));
  const std::string& stop_signal = !container.request.stop_signal.empty()
                                       ? container.request.stop_signal
                                       : image_config.stop_signal;
  container.stop_signal = stop_signal.empty() ? SIGTERM : ParseSignal(stop_signal);

  for (const std::string* dir : {&container.persist_dir, &container.bundle}) {
    RETURN_IF_ERROR(sys::MakeDirs(*dir, 0700));
  }
  // Only once the rootfs is unmounted: never a recursive removal through a mount.
  rollback.AddIfClean("remove the bundle and persist dirs of container " + container.id,
                      [bundle = container.bundle, persist = container.persist_dir] {
                        absl::Status removed;
                        for (const std::string& made : {bundle, persist}) {
                          const fs::path dir = fs::path(made).parent_path();
                          std::error_code error;
                          fs::remove_all(dir, error);
                          if (error)
                            removed.Update(ErrnoToStatus(error.value(), "remove " + dir.string()));
                        }
                        return removed;
                      });
  ASSIGN_OR_RETURN(container.rootfs,
                   rootfs_.Mount({.id = container.id,
                                  .name = name,
                                  .image_id = image->id,
                                  .layers = image->layers,
                                  .metadata = StorageMetadata(container, name, pod)}));
  rollback.Add("remove the rootfs of container " + container.id,
               [this, id = container.id] { return rootfs_.Remove(id); });
  AfterStep("container.rootfs");

  container.log_path = fmt::format(
      "{}/{}", pod.spec.log_directory,
      container.request.log_path.empty() ? container.id + ".log" : container.request.log_path);
  ASSIGN_OR_RETURN(const spec::ContainerSpecInput input, SpecInput(container, pod, image_config));
  container.uid = input.uid;
  container.gid = input.gid;
  container.supplemental_groups.assign(input.additional_gids.begin(), input.additional_gids.end());
  nlohmann::json oci_spec = spec::BuildSpec(input);
  std::vector<std::string> skipped;
  InjectHooks(LoadHooks(options_.hooks_dirs, &skipped), oci_spec);
  for (const std::string& why : skipped) log::Warn("Skipping OCI hook {}", why);
  RETURN_IF_ERROR(WriteFileAtomically(container.bundle + "/config.json", oci_spec.dump(), 0600));
  AfterStep("container.spec");
  RETURN_IF_ERROR(sys::MakeDirs(fs::path(container.log_path).parent_path().string(), 0755));
  if (fs::is_symlink(container.log_path)) fs::remove(container.log_path);  // kubernetes#44043

  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  // conmon takes the "POD" settings; as CRI-O, the container's own annotations (over the
  // pod's) say which workload and what overrides.
  std::map<std::string, std::string> monitor_annotations = pod.spec.annotations;
  for (const auto& [key, value] : container.request.annotations) {
    monitor_annotations[key] = value;
  }
  sys::CgroupCpu monitor_cpu;
  if (const Workload* workload = ActiveWorkload(options_.workloads, monitor_annotations)) {
    ASSIGN_OR_RETURN(monitor_cpu, WorkloadCpu(*workload, kPodWorkloadName, monitor_annotations));
  }
  ASSIGN_OR_RETURN(const oci::Created created,
                   runtime->Create({.id = container.id,
                                    .name = container.id,
                                    .bundle = container.bundle,
                                    .persist_dir = container.persist_dir,
                                    .log_path = container.log_path,
                                    .tty = container.request.tty,
                                    .stdin = container.request.stdin,
                                    .stdin_once = container.request.stdin_once,
                                    .cgroup_parent = PodCgroupParent(pod),
                                    .monitor_cpu = monitor_cpu}));
  rollback.Add("delete the runtime's container " + container.id,
               [runtime, id = container.id] { return runtime->Delete(id); });
  AfterStep("container.runtime");
  container.pid = created.pid;
  container.state = ContainerState::kCreated;
  return absl::OkStatus();
}

absl::Status Containers::Start(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  // Held while it starts: a StopPodSandbox waits for it, then stops it.
  ASSIGN_OR_RETURN(const sandbox::PodHold hold,
                   sandboxes_.Hold(entry->Copy().request.pod_id, /*ready=*/false));
  return StartEntry(*entry);
}

absl::Status Containers::StartEntry(Entry& entry_ref) {
  Entry* const entry = &entry_ref;
  std::lock_guard operation(entry->operation);
  const Container container = entry->Copy();
  if (container.state != ContainerState::kCreated) {
    return absl::FailedPreconditionError(
        fmt::format("container {} is not in the created state", container.id));
  }
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  // Taken before the call: a quick process may have exited (and been recorded) by its end.
  const int64_t started_at = Now();
  RETURN_IF_ERROR(runtime->Start(container.id));
  AfterStep("container.started");
  {
    std::lock_guard data(entry->mu);
    if (entry->container.started_at == 0) entry->container.started_at = started_at;
    if (entry->container.state == ContainerState::kExited) {  // recorded while we started it
      entry->container.finished_at =
          std::max(entry->container.finished_at, entry->container.started_at);
    }
    if (entry->container.state == ContainerState::kCreated) {
      entry->container.state = ContainerState::kRunning;
    }
  }
  log::Info("Started container {}", container.id);
  Publish(container, EventType::kStarted);
  return Persist(*entry);
}

absl::Status Containers::CheckCreatedOrRunning(const Container& container) {
  if (container.state != ContainerState::kCreated && container.state != ContainerState::kRunning) {
    return absl::FailedPreconditionError(
        fmt::format("container {} is not created or running", container.id));
  }
  return absl::OkStatus();
}

absl::StatusOr<Container> Containers::CreatedOrRunning(const std::string& id) const {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  Container container = entry->Copy();
  RETURN_IF_ERROR(CheckCreatedOrRunning(container));
  return container;
}

std::string Containers::OomName(const Container& container) const {
  auto pod = sandboxes_.Get(container.request.pod_id);
  return pod.ok() ? ContainerName(container.request, pod->spec.metadata) : container.request.name;
}

bool Containers::RecordExit(Entry& entry) {
  const Container container = entry.Copy();
  if (container.state == ContainerState::kExited) return true;
  auto runtime = runtimes_.Get(container.runtime_handler);
  if (!runtime.ok()) return false;
  const auto recorded = (*runtime)->ExitOf(container.id, container.bundle, container.persist_dir);
  if (!recorded.ok()) return false;
  const int64_t finished = recorded->finished_at > 0 ? recorded->finished_at : Now();
  const bool oom = recorded->oom;
  const int32_t code = recorded->code;
  const std::string oom_name = oom && options_.oom_killed ? OomName(container) : "";
  {
    std::lock_guard data(entry.mu);
    if (entry.container.state == ContainerState::kExited) return true;  // recorded meanwhile
    // Counted before anyone can see the exit, and once.
    if (!oom_name.empty()) options_.oom_killed(oom_name);
    entry.container.state = ContainerState::kExited;
    entry.container.exit_code = code;
    // The exit file's mtime is coarse; never report an end before the start.
    entry.container.finished_at = std::max(finished, entry.container.started_at);
    entry.container.reason = oom ? "OOMKilled" : (code == 0 ? "Completed" : "Error");
    entry.container.pid = 0;
  }
  entry.exited.notify_all();
  if (auto saved = Persist(entry); !saved.ok()) {
    log::Error("Container {}: cannot record its exit: {}", container.id, AsStd(saved.message()));
  }
  (void)rootfs_.Unmount(container.id);
  log::Info("Container {} exited with code {}{}", container.id, code,
            oom ? " (killed: out of memory)" : "");
  Publish(container, EventType::kStopped);
  if (container.infra) sandboxes_.InfraExited(container.request.pod_id);
  return true;
}

void Containers::OnExit(const std::string& id) {
  std::shared_ptr<Entry> entry;
  {
    std::shared_lock lock(mu_);
    auto found = by_id_.find(id);
    if (found == by_id_.end()) return;  // an exec's or a removed container's file
    entry = found->second;
  }
  RecordExit(*entry);
}

absl::Status Containers::Stop(const std::string& id, int64_t timeout_seconds) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr && absl::IsNotFound(error)) {  // CRI-O's answer, which the kubelet takes
    return absl::NotFoundError(
        fmt::format("could not find container \"{}\": {}", id, AsStd(error.message())));
  }
  if (entry == nullptr) return error;
  std::lock_guard operation(entry->operation);
  return StopLocked(*entry, timeout_seconds);
}

absl::Status Containers::StopLocked(Entry& entry, int64_t timeout_seconds) {
  Container container = entry.Copy();
  if (container.state == ContainerState::kExited || RecordExit(entry)) return absl::OkStatus();
  auto wait_for_exit = [&](std::chrono::steady_clock::duration limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::unique_lock lock(entry.mu);
    while (entry.container.state != ContainerState::kExited) {
      if (entry.exited.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                               std::chrono::milliseconds(100))) ==
              std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      lock.unlock();
      const bool recorded = RecordExit(entry);  // in case the watcher is behind
      lock.lock();
      if (recorded) return true;
    }
    return true;
  };
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  if (timeout_seconds > 0) {
    const absl::Status signalled = runtime->Kill(container.id, container.stop_signal, false);
    if (!signalled.ok() && !absl::IsNotFound(signalled)) return signalled;
    if (wait_for_exit(std::chrono::seconds(timeout_seconds))) return absl::OkStatus();
    log::Info("Container {} did not stop within {}s; killing it", container.id, timeout_seconds);
  }
  const absl::Status killed = runtime->Kill(container.id, SIGKILL, false);
  if (!killed.ok() && !absl::IsNotFound(killed)) return killed;
  if (wait_for_exit(kKillWait)) return absl::OkStatus();
  return absl::DeadlineExceededError(
      fmt::format("container {} did not exit after SIGKILL", container.id));
}

absl::Status Containers::Remove(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
  return RemoveEntry(*entry, kPodStopTimeoutSeconds);
}

absl::Status Containers::RemoveEntry(Entry& entry_ref, int64_t stop_timeout_seconds) {
  Entry* const entry = &entry_ref;
  std::lock_guard operation(entry->operation);
  {
    std::lock_guard data(entry->mu);
    if (entry->removed) return absl::OkStatus();
  }
  RETURN_IF_ERROR(StopLocked(*entry, stop_timeout_seconds));
  const Container container = entry->Copy();
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  RETURN_IF_ERROR(runtime->Delete(container.id));
  RETURN_IF_ERROR(rootfs_.Remove(container.id));
  for (const std::string& dir : {container.bundle, container.persist_dir}) {
    std::error_code ignored;
    fs::remove_all(fs::path(dir).parent_path(), ignored);
  }
  RETURN_IF_ERROR(store_.Delete(container.id));
  std::string name;
  {
    std::lock_guard data(entry->mu);
    entry->removed = true;
    name = entry->name;
  }
  {
    std::unique_lock lock(mu_);
    by_id_.erase(container.id);
  }
  names_.Release(name);
  log::Info("Removed container {}", container.id);
  Publish(container, EventType::kDeleted);
  return absl::OkStatus();
}

std::vector<std::shared_ptr<Containers::Entry>> Containers::EntriesInPod(const std::string& pod_id,
                                                                         bool infra) const {
  std::vector<std::shared_ptr<Entry>> members, infras;
  std::shared_lock lock(mu_);
  for (const auto& [id, entry] : by_id_) {
    if (entry->Copy().request.pod_id != pod_id) continue;
    if (!entry->infra) {
      members.push_back(entry);
    } else if (infra) {
      infras.push_back(entry);
    }
  }
  members.insert(members.end(), infras.begin(), infras.end());
  return members;
}

// The pod's containers stop in parallel (as CRI-O does), its infra container after them.
absl::Status Containers::StopPodMembers(const std::string& pod_id) {
  std::vector<std::shared_ptr<Entry>> members = EntriesInPod(pod_id, /*infra=*/false);
  std::vector<std::future<absl::Status>> stops;
  for (const auto& entry : members) {
    stops.push_back(std::async(std::launch::async, [this, entry] {
      std::lock_guard operation(entry->operation);
      return StopLocked(*entry, kPodStopTimeoutSeconds);
    }));
  }
  absl::Status first_error;
  for (auto& stop : stops) {
    if (absl::Status stopped = stop.get(); !stopped.ok() && first_error.ok()) first_error = stopped;
  }
  RETURN_IF_ERROR(first_error);
  for (const auto& entry : EntriesInPod(pod_id, /*infra=*/true)) {
    if (!entry->infra) continue;
    std::lock_guard operation(entry->operation);
    RETURN_IF_ERROR(StopLocked(*entry, kPodStopTimeoutSeconds));
  }
  return absl::OkStatus();
}

absl::Status Containers::RemovePodMembers(const std::string& pod_id) {
  for (const auto& entry : EntriesInPod(pod_id, /*infra=*/true)) {
    RETURN_IF_ERROR(RemoveEntry(*entry, kPodStopTimeoutSeconds));
  }
  return absl::OkStatus();
}

absl::StatusOr<sandbox::InfraProcess> Containers::StartInfra(const sandbox::Sandbox& pod) {
  const ReloadableOptions reloadable = Reloadable();
  ASSIGN_OR_RETURN(const auto present, images_.Find(reloadable.pause_image));
  if (!present) {
    log::Info("Pulling the pause image {}", reloadable.pause_image);
    RETURN_IF_ERROR(images_.Pull(reloadable.pause_image, reloadable.pause_credentials));
  }
  ContainerRequest request{.pod_id = pod.id, .name = "POD", .image = reloadable.pause_image};
  request.attempt = pod.spec.metadata.attempt;
  if (!reloadable.pause_command.empty()) request.command = {reloadable.pause_command};
  request.readonly_rootfs = true;
  request.oom_score_adj = -998;
  request.resources.cpu_shares = 2;
  request.labels = pod.spec.labels;
  ASSIGN_OR_RETURN(const Container infra,
                   CreateIn(std::move(request), pod, /*infra=*/true, Caller{}));
  absl::Status error;
  auto entry = Find(infra.id, &error, /*infra=*/true);
  if (entry == nullptr) return error;
  if (auto started = StartEntry(*entry); !started.ok()) {
    if (absl::Status removed = RemoveEntry(*entry, 0); !removed.ok()) {
      log::Error("Infra container {} failed to start and is left behind: {}", infra.id,
                 AsStd(removed.message()));
    }
    return started;
  }
  return sandbox::InfraProcess{
      .id = infra.id, .pid = entry->Copy().pid, .image = reloadable.pause_image};
}

absl::Status Containers::RemoveInfra(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error, /*infra=*/true);
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
  return RemoveEntry(*entry, kPodStopTimeoutSeconds);
}

}  // namespace crio::container
