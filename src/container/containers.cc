#include "container/containers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <future>
#include <regex>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/random_id.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/step_hooks.h"
#include "common/strings.h"
#include "container/devices.h"
#include "container/hooks.h"
#include "container/mounts.h"
#include "container/validate.h"
#include "fmt/format.h"
#include "image/image_config.h"
#include "nlohmann/json.hpp"
#include "oci/exit_watcher.h"
#include "spec/process.h"
#include "spec/seccomp.h"
#include "sys/resolve.h"
#include "sys/unix_socket.h"
#include "sys/wait_file.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxIdentityFileBytes = 1 << 20;  // an image's /etc/passwd or /etc/group
constexpr uint64_t kMaxSeccompProfileBytes = 1 << 20;
constexpr auto kKillWait = std::chrono::seconds(10);  // after SIGKILL, for conmon's exit file
// StopPodSandbox's grace per container, CRI-O's default when the request sets no deadline.
constexpr int64_t kPodStopTimeoutSeconds = 10;
constexpr auto kReopenLogTimeout = std::chrono::seconds(5);  // for conmon to create the new log

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

// Annotations an OCI runtime acts on (CVE-2023-6476, CVE-2024-3154): passed on only when
// the runtime handler allows them.
constexpr const char* kRuntimeAnnotations[] = {"org.systemd.property.",
                                               "run.oci.",
                                               "bundle",
                                               "org.criu.config",
                                               "module.wasm.image/variant",
                                               "io.kubernetes.cri.container-type",
                                               "io.kubernetes.cri.rdt-class",
                                               "io.kubernetes.cri-o."};

std::map<std::string, std::string> FilterAnnotations(
    const std::map<std::string, std::string>& annotations,
    const std::vector<std::string>& allowed) {
  std::map<std::string, std::string> kept;
  for (const auto& [key, value] : annotations) {
    const bool runtime_key =
        std::any_of(std::begin(kRuntimeAnnotations), std::end(kRuntimeAnnotations),
                    [&](const char* prefix) { return key.starts_with(prefix); });
    const bool allowed_key = std::any_of(allowed.begin(), allowed.end(), [&](const std::string& p) {
      return !p.empty() && key.starts_with(p);
    });
    if (!runtime_key || allowed_key) kept.emplace(key, value);
  }
  return kept;
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

// /etc/passwd or /etc/group inside the rootfs, never following links out of it and never
// anything but a regular file (an image may plant a FIFO or a device node there). An image
// without the file gets "", as the runtime would.
absl::StatusOr<std::string> ReadIdentityFile(const std::string& rootfs, const std::string& path) {
  sys::UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoToStatus(errno, "open the rootfs " + rootfs);
  auto text = sys::ReadFileInRoot(root.get(), path, kMaxIdentityFileBytes);
  if (absl::IsNotFound(text.status())) return "";
  if (!text.ok()) return Annotate(text.status(), "read the image's /" + path);
  return text;
}

std::vector<spec::Rlimit> Rlimits(const std::vector<std::string>& ulimits) {
  std::vector<spec::Rlimit> limits;
  for (const std::string& entry : ulimits) {  // "nofile=1024:2048", validated at load
    const size_t equals = entry.find('='), colon = entry.find(':');
    if (equals == std::string::npos) continue;
    std::string type = entry.substr(0, equals);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const std::string soft = entry.substr(equals + 1, colon - equals - 1);
    const std::string hard = colon == std::string::npos ? soft : entry.substr(colon + 1);
    uint64_t soft_value = 0, hard_value = 0;
    std::from_chars(soft.data(), soft.data() + soft.size(), soft_value);
    std::from_chars(hard.data(), hard.data() + hard.size(), hard_value);
    limits.push_back({.type = "RLIMIT_" + type, .soft = soft_value, .hard = hard_value});
  }
  return limits;
}

// A seccomp profile from a JSON file, for a container with `capabilities`.
absl::StatusOr<std::optional<nlohmann::json>> SeccompFromFile(
    const std::string& path, const std::vector<std::string>& capabilities) {
  auto text = ReadFileToString(path, kMaxSeccompProfileBytes);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("seccomp profile {}: {}", path, AsStd(text.status().message())));
  }
  auto parsed = spec::ParseSeccompProfile(*text, capabilities);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("seccomp profile {}: {}", path, AsStd(parsed.status().message())));
  }
  return *parsed;
}

// The runtime's view of the restored containers: one `runtime list` per handler rather than
// a `runtime state` per container (a few ms each, so a node's 200 containers would take a
// second), falling back to `state` when a runtime cannot list.
class RuntimeStates {
 public:
  explicit RuntimeStates(const oci::RuntimeHandlers& runtimes) : runtimes_(runtimes) {}

  // "created", "running", "paused" or "stopped"; NOT_FOUND when the runtime has no such
  // container.
  absl::StatusOr<std::string> Of(const Container& container) {
    ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
    auto [listed, first] = listed_.try_emplace(runtime);
    if (first) {
      if (auto all = runtime->List(); all.ok()) {
        std::map<std::string, std::string> states;
        for (const oci::RuntimeContainer& entry : *all) states.emplace(entry.id, entry.status);
        listed->second = std::move(states);
      }
    }
    if (!listed->second) {
      ASSIGN_OR_RETURN(const oci::RuntimeState state, runtime->State(container.id));
      return state.status;
    }
    auto found = listed->second->find(container.id);
    if (found == listed->second->end()) {
      return absl::NotFoundError(fmt::format("container {} does not exist", container.id));
    }
    return found->second;
  }

 private:
  const oci::RuntimeHandlers& runtimes_;
  std::map<oci::OciRuntime*, std::optional<std::map<std::string, std::string>>> listed_;
};

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

absl::StatusOr<std::vector<spec::Device>> Containers::Devices(
    const ContainerRequest& request, const sandbox::Sandbox& pod,
    const std::string& runtime_handler) const {
  const std::string& handler = runtime_handler.empty() ? options_.default_runtime : runtime_handler;
  std::vector<DeviceRequest> requested;
  for (const std::string& text : options_.additional_devices) {
    auto device = ParseDeviceSpec(text);
    if (!device.ok()) {
      return absl::FailedPreconditionError(
          fmt::format("additional_devices: {}", AsStd(device.status().message())));
    }
    requested.push_back(std::move(*device));
  }
  const auto allowed = options_.allowed_annotations.find(handler);
  const bool annotation_allowed =
      allowed != options_.allowed_annotations.end() &&
      std::any_of(allowed->second.begin(), allowed->second.end(), [](const std::string& prefix) {
        return !prefix.empty() && std::string_view(kDevicesAnnotation).starts_with(prefix);
      });
  if (const auto annotation = pod.spec.annotations.find(kDevicesAnnotation);
      annotation != pod.spec.annotations.end() && annotation_allowed) {
    ASSIGN_OR_RETURN(std::vector<DeviceRequest> extra,
                     ParseDevicesAnnotation(annotation->second, options_.allowed_devices));
    requested.insert(requested.end(), extra.begin(), extra.end());
  }
  requested.insert(requested.end(), request.devices.begin(), request.devices.end());
  ASSIGN_OR_RETURN(std::vector<spec::Device> devices, ContainerDevices(requested));
  if (request.privileged && !options_.privileged_without_host_devices.contains(handler)) {
    // The host's devices, under the requested ones at the same path.
    for (spec::Device& device : HostDevices()) {
      if (std::none_of(devices.begin(), devices.end(),
                       [&](const spec::Device& d) { return d.path == device.path; })) {
        devices.push_back(std::move(device));
      }
    }
  }
  return devices;
}

void Containers::Publish(const Container& container, EventType type) const {
  // Infra containers are crio's own; without subscribers there is nobody to tell.
  if (options_.events == nullptr || container.infra || !options_.events->HasSubscribers()) return;
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

absl::StatusOr<nlohmann::json> Containers::StatusInfo(const std::string& id) const {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  const Container container = entry->Copy();
  std::string name;
  std::vector<std::string> ips;
  if (auto pod = sandboxes_.Get(container.request.pod_id); pod.ok()) {
    name = ContainerName(container.request, pod->spec.metadata);
    ips = pod->ips;
  }
  return nlohmann::json{{"name", name},
                        {"pid", container.pid},
                        {"image", container.image_name},
                        {"image_ref", container.image_ref},
                        {"created_time", container.created_at},
                        {"labels", container.request.labels},
                        {"annotations", container.request.annotations},
                        {"log_path", container.log_path},
                        {"root", container.rootfs},
                        {"sandbox", container.request.pod_id},
                        {"ip_addresses", ips}};
}

absl::Status Containers::Pause(const std::string& id) {
  ASSIGN_OR_RETURN(const Container container, Running(id));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->Pause(container.id);
}

absl::Status Containers::Resume(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error);
  if (entry == nullptr) return error;
  const Container container = entry->Copy();
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->Resume(container.id);
}

std::optional<std::string> Containers::ContainerUsing(const std::string& image_id) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, entry] : by_id_) {
    if (entry->Copy().image_id == image_id) return id;
  }
  return std::nullopt;
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

absl::Status Containers::ValidateResources(const spec::Resources& resources) const {
  if (resources.memory_limit > 0 && resources.memory_limit < options_.container_min_memory) {
    return absl::InvalidArgumentError(
        fmt::format("memory limit {} bytes is below the minimum of {} bytes (container_min_memory)",
                    resources.memory_limit, options_.container_min_memory));
  }
  if (resources.memory_swap > 0 && resources.memory_limit > 0 &&
      resources.memory_swap < resources.memory_limit) {
    return absl::InvalidArgumentError(
        fmt::format("memory swap limit {} bytes is below the memory limit {} bytes (the swap "
                    "limit counts memory plus swap)",
                    resources.memory_swap, resources.memory_limit));
  }
  static const std::regex kPageSize("[1-9][0-9]*(KB|MB|GB|TB|PB)");
  for (const auto& [page_size, limit] : resources.hugepage_limits) {
    if (!std::regex_match(page_size, kPageSize)) {
      return absl::InvalidArgumentError(
          fmt::format("hugepage size {:?} is not a size such as \"2MB\" or \"1GB\"", page_size));
    }
  }
  return absl::OkStatus();
}

spec::Resources Containers::ForHost(spec::Resources resources) const {
  if (!options_.hugetlb) resources.hugepage_limits.clear();  // as CRI-O: only with hugetlb
  if (options_.swap_accounting && resources.memory_limit > 0 && resources.memory_swap == 0) {
    resources.memory_swap = resources.memory_limit;  // no swap beyond the memory limit
  }
  return resources;
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
  Container container{.id = NewRandomId(), .request = std::move(request)};
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
  RETURN_IF_ERROR(Build(container, pod, rollback));
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
  Publish(container, EventType::kCreated);
  return container;
}

void Containers::SetPaths(Container& container) const {
  container.persist_dir =
      fmt::format("{}/overlay-containers/{}/userdata", options_.root, container.id);
  container.bundle =
      fmt::format("{}/overlay-containers/{}/userdata", options_.run_root, container.id);
}

absl::Status Containers::Build(Container& container, const sandbox::Sandbox& pod,
                               Rollback& rollback) {
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
  ASSIGN_OR_RETURN(container.rootfs, rootfs_.Mount(container.id, image->layers));
  rollback.Add("remove the rootfs of container " + container.id,
               [this, id = container.id] { return rootfs_.Remove(id); });
  AfterStep("container.rootfs");

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
  container.log_path = fmt::format(
      "{}/{}", pod.spec.log_directory,
      container.request.log_path.empty() ? container.id + ".log" : container.request.log_path);
  RETURN_IF_ERROR(sys::MakeDirs(fs::path(container.log_path).parent_path().string(), 0755));
  if (fs::is_symlink(container.log_path)) fs::remove(container.log_path);  // kubernetes#44043

  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  ASSIGN_OR_RETURN(const oci::Created created,
                   runtime->Create({.id = container.id,
                                    .name = container.id,
                                    .bundle = container.bundle,
                                    .persist_dir = container.persist_dir,
                                    .log_path = container.log_path,
                                    .tty = container.request.tty,
                                    .stdin = container.request.stdin,
                                    .stdin_once = container.request.stdin_once}));
  rollback.Add("delete the runtime's container " + container.id,
               [runtime, id = container.id] { return runtime->Delete(id); });
  AfterStep("container.runtime");
  container.pid = created.pid;
  container.state = ContainerState::kCreated;
  return absl::OkStatus();
}

absl::StatusOr<spec::ContainerSpecInput> Containers::SpecInput(const Container& container,
                                                               const sandbox::Sandbox& pod,
                                                               const image::ImageConfig& config) {
  const ContainerRequest& request = container.request;
  spec::ContainerSpecInput input;
  ASSIGN_OR_RETURN(input.args,
                   spec::ResolveArgs(config.entrypoint, config.cmd, request.command, request.args));
  input.env = spec::MergeEnv({}, config.env, request.env, request.tty, pod.spec.hostname);
  input.cwd = !request.working_dir.empty()
                  ? request.working_dir
                  : (config.working_dir.empty() ? "/" : config.working_dir);
  RETURN_IF_ERROR(CheckWorkingDir(input.cwd, container.rootfs));

  std::string user = config.user;
  if (request.run_as_user) user = std::to_string(*request.run_as_user);
  if (!request.run_as_username.empty()) user = request.run_as_username;
  std::optional<uint32_t> group;
  if (request.run_as_group) group = static_cast<uint32_t>(*request.run_as_group);
  ASSIGN_OR_RETURN(const std::string passwd, ReadIdentityFile(container.rootfs, "etc/passwd"));
  ASSIGN_OR_RETURN(const std::string group_file, ReadIdentityFile(container.rootfs, "etc/group"));
  ASSIGN_OR_RETURN(const spec::ResolvedUser resolved,
                   spec::ResolveUser(user, passwd, group_file, group, request.supplemental_groups,
                                     request.strict_supplemental_groups));
  input.uid = resolved.uid;
  input.gid = resolved.gid;
  input.additional_gids = resolved.additional_gids;
  if (std::none_of(input.env.begin(), input.env.end(),
                   [](const std::string& e) { return e.starts_with("HOME="); })) {
    input.env.push_back("HOME=" + resolved.home);
  }
  input.terminal = request.tty;
  input.rootfs = container.rootfs;
  input.readonly_rootfs = request.readonly_rootfs;
  input.hostname = pod.spec.hostname;
  input.netns_path = pod.netns_path;
  input.ipcns_path = pod.ipcns_path;
  input.utsns_path = pod.utsns_path;
  input.host_pid = request.pid_mode == sandbox::NamespaceMode::kNode;
  if (request.pid_mode == sandbox::NamespaceMode::kPod && pod.infra_pid > 0 && !container.infra) {
    input.pid_path = fmt::format("/proc/{}/ns/pid", pod.infra_pid);
  }
  if (request.pid_mode == sandbox::NamespaceMode::kTarget) {
    absl::Status error;
    auto target = Find(request.pid_target, &error);
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("pid namespace target {}: {}", request.pid_target, AsStd(error.message())));
    }
    const Container target_container = target->Copy();
    if (target_container.request.pod_id != pod.id || target_container.pid <= 0 ||
        target_container.state != ContainerState::kRunning) {
      return absl::FailedPreconditionError(fmt::format(
          "pid namespace target {} is not a running container of this pod", request.pid_target));
    }
    input.pid_path = fmt::format("/proc/{}/ns/pid", target_container.pid);
  }
  input.host_network = pod.spec.host_network();
  ASSIGN_OR_RETURN(std::vector<spec::Mount> volumes,
                   ImageVolumes(config.volumes, options_.image_volumes, container.rootfs,
                                container.persist_dir + "/volumes"));
  ASSIGN_OR_RETURN(input.mounts,
                   ContainerMounts(request, pod, options_.absent_mount_sources_to_reject));
  // Image volumes go under the request's mounts, which win at the same path.
  for (spec::Mount& volume : volumes) {
    if (std::none_of(input.mounts.begin(), input.mounts.end(),
                     [&](const spec::Mount& m) { return m.destination == volume.destination; })) {
      input.mounts.insert(input.mounts.begin(), std::move(volume));
    }
  }
  ASSIGN_OR_RETURN(input.devices, Devices(request, pod, container.runtime_handler));
  input.privileged = request.privileged;
  ASSIGN_OR_RETURN(input.capabilities,
                   spec::Capabilities(options_.default_capabilities, request.add_capabilities,
                                      request.drop_capabilities, request.privileged,
                                      options_.host_capabilities));
  ASSIGN_OR_RETURN(input.apparmor_profile, spec::ContainerAppArmorProfile(
                                               request.apparmor_profile, request.privileged,
                                               Reloadable().apparmor_profile, options_.apparmor));
  if (!request.privileged) {
    ASSIGN_OR_RETURN(input.seccomp, Seccomp(request, input.capabilities));
  } else if (!options_.privileged_seccomp_profile.empty()) {
    // Privileged containers ignore the profile they ask for; the operator's applies.
    ASSIGN_OR_RETURN(input.seccomp,
                     SeccompFromFile(options_.privileged_seccomp_profile, input.capabilities));
  }
  input.no_new_privileges = request.no_new_privs;
  input.masked_paths = request.masked_paths;
  input.readonly_paths = request.readonly_paths;
  input.host_masked_paths = options_.host_masked_paths;
  input.cgroup_v2 = options_.cgroup_v2;
  input.rlimits = Rlimits(options_.default_ulimits);
  input.oom_score_adj = static_cast<int>(request.oom_score_adj);
  if (input.oom_score_adj < 0 && !options_.negative_oom_score_adj) input.oom_score_adj = 0;
  const std::string parent = pod.spec.cgroup_parent.empty() ? "/crio" : pod.spec.cgroup_parent;
  input.cgroups_path =
      options_.cgroup_manager == "systemd"
          ? fmt::format("{}:crio:{}", parent == "/crio" ? "system.slice" : parent, container.id)
          : fmt::format("{}/crio-{}", parent, container.id);
  input.resources = ForHost(request.resources);
  if (options_.pids_limit > 0 && input.resources.pids_limit <= 0) {
    input.resources.pids_limit = options_.pids_limit;
  }
  const std::string handler =
      container.runtime_handler.empty() ? options_.default_runtime : container.runtime_handler;
  const auto allowed = options_.allowed_annotations.find(handler);
  input.annotations = FilterAnnotations(
      request.annotations,
      allowed == options_.allowed_annotations.end() ? std::vector<std::string>() : allowed->second);
  input.annotations["io.container.manager"] = "cri-o";
  input.annotations["io.kubernetes.cri-o.ContainerID"] = container.id;
  input.annotations["io.kubernetes.cri-o.SandboxID"] = pod.id;
  input.annotations["io.kubernetes.cri-o.ContainerType"] = "container";
  return input;
}

absl::StatusOr<std::optional<nlohmann::json>> Containers::Seccomp(
    const ContainerRequest& request, const std::vector<std::string>& capabilities) const {
  const std::string& profile = request.seccomp_profile;
  if (profile.empty() || profile == "unconfined") return std::nullopt;
  std::string path;
  if (profile == "runtime/default" || profile == "docker/default") {
    const std::string configured = Reloadable().seccomp_profile;
    if (configured.empty()) return spec::DefaultSeccompProfile(capabilities);
    path = configured;
  } else if (profile.starts_with("localhost/")) {
    path = profile.substr(std::string_view("localhost/").size());
    if (!path.starts_with('/')) {
      return absl::InvalidArgumentError(
          fmt::format("seccomp profile \"{}\": the path must be absolute", profile));
    }
  } else {
    return absl::InvalidArgumentError(fmt::format("unknown seccomp profile \"{}\"", profile));
  }
  return SeccompFromFile(path, capabilities);
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
  ASSIGN_OR_RETURN(const Container container, Running(id));
  ASSIGN_OR_RETURN(std::string process_json, ExecProcessJson(container, command, /*tty=*/false));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->ExecSync({.id = container.id,
                            .process_json = std::move(process_json),
                            .tty = false,
                            .timeout_seconds = timeout_seconds});
}

absl::StatusOr<std::unique_ptr<oci::ExecProcess>> Containers::StartExec(
    const std::string& id, const std::vector<std::string>& command, bool tty,
    const oci::ExecStdio& stdio) {
  ASSIGN_OR_RETURN(const Container container, Running(id));
  ASSIGN_OR_RETURN(std::string process_json, ExecProcessJson(container, command, tty));
  ASSIGN_OR_RETURN(oci::OciRuntime* const runtime, runtimes_.Get(container.runtime_handler));
  return runtime->StartExec(
      {.id = container.id, .process_json = std::move(process_json), .tty = tty}, stdio);
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
  // conmon's control fifo: "2 0 0" asks it to reopen the log file.
  const std::string ctl = container.bundle + "/ctl";
  sys::UniqueFd fifo(::open(ctl.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) return ErrnoToStatus(errno, "open conmon's control fifo " + ctl);
  constexpr std::string_view kReopen = "2 0 0\n";
  if (::write(fifo.get(), kReopen.data(), kReopen.size()) != static_cast<ssize_t>(kReopen.size())) {
    return ErrnoToStatus(errno, "write to " + ctl);
  }
  if (!log_moved) return absl::OkStatus();
  return sys::WaitForFile(container.log_path, kReopenLogTimeout);
}

std::string Containers::OomName(const Container& container) const {
  auto pod = sandboxes_.Get(container.request.pod_id);
  return pod.ok() ? ContainerName(container.request, pod->spec.metadata) : container.request.name;
}

bool Containers::RecordExit(Entry& entry) {
  const Container container = entry.Copy();
  if (container.state == ContainerState::kExited) return true;
  auto code = oci::ReadExitCode(options_.exits_dir, container.id);
  if (!code.ok()) return false;
  struct stat info {};
  const std::string exit_file = options_.exits_dir + "/" + container.id;
  const int64_t finished =
      ::stat(exit_file.c_str(), &info) == 0
          ? static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec
          : Now();
  const bool oom =
      fs::exists(container.persist_dir + "/oom") || fs::exists(container.bundle + "/oom");
  const std::string oom_name = oom && options_.oom_killed ? OomName(container) : "";
  {
    std::lock_guard data(entry.mu);
    if (entry.container.state == ContainerState::kExited) return true;  // recorded meanwhile
    // Counted before anyone can see the exit, and once.
    if (!oom_name.empty()) options_.oom_killed(oom_name);
    entry.container.state = ContainerState::kExited;
    entry.container.exit_code = *code;
    // The exit file's mtime is coarse; never report an end before the start.
    entry.container.finished_at = std::max(finished, entry.container.started_at);
    entry.container.reason = oom ? "OOMKilled" : (*code == 0 ? "Completed" : "Error");
    entry.container.pid = 0;
  }
  entry.exited.notify_all();
  if (auto saved = Persist(entry); !saved.ok()) {
    log::Error("Container {}: cannot record its exit: {}", container.id, AsStd(saved.message()));
  }
  (void)rootfs_.Unmount(container.id);
  log::Info("Container {} exited with code {}{}", container.id, *code,
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
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
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
  return sandbox::InfraProcess{.id = infra.id, .pid = entry->Copy().pid};
}

absl::Status Containers::RemoveInfra(const std::string& id) {
  absl::Status error;
  auto entry = Find(id, &error, /*infra=*/true);
  if (entry == nullptr) return absl::IsNotFound(error) ? absl::OkStatus() : error;
  return RemoveEntry(*entry, kPodStopTimeoutSeconds);
}

void Containers::AbandonCreation(const Container& container) {
  log::Warn("Removing container {}: crio stopped while creating it", container.id);
  absl::Status undone;
  if (auto runtime = runtimes_.Get(container.runtime_handler); runtime.ok()) {
    undone.Update((*runtime)->Delete(container.id));
  }
  undone.Update(rootfs_.Remove(container.id));
  // Only once the rootfs is unmounted: never a recursive removal through a mount.
  for (const std::string& dir : {container.bundle, container.persist_dir}) {
    if (!undone.ok()) break;
    std::error_code error;
    fs::remove_all(fs::path(dir).parent_path(), error);
    if (error) undone.Update(ErrnoToStatus(error.value(), "remove " + dir));
  }
  // The row stays while anything is left, so the next start tries again.
  if (undone.ok()) undone = store_.Delete(container.id);
  if (!undone.ok()) {
    log::Error("Half-created container {} not fully removed: {}", container.id,
               AsStd(undone.message()));
  }
}

absl::Status Containers::Restore() {
  std::vector<std::string> corrupt;
  ASSIGN_OR_RETURN(std::vector<Container> stored, store_.LoadAll(&corrupt));
  std::set<std::string> known;
  for (const std::string& why : corrupt) {
    log::Error("Skipping unreadable container row {}", why);
    known.insert(why.substr(0, why.find(':')));  // never swept: its files may matter
  }
  std::vector<std::shared_ptr<Entry>> orphans;
  RuntimeStates runtime_states(runtimes_);
  size_t restored = 0;
  for (Container& container : stored) {
    known.insert(container.id);
    if (container.creating) {
      AbandonCreation(container);
      continue;
    }
    auto pod = sandboxes_.Get(container.request.pod_id);
    const std::string name =
        pod.ok() ? ContainerName(container.request, pod->spec.metadata) : "orphan_" + container.id;
    auto entry = std::make_shared<Entry>();
    entry->infra = container.infra;
    {
      std::lock_guard data(entry->mu);
      entry->container = container;
      entry->name = name;
    }
    names_.Restore(name, container.id);
    {
      std::unique_lock lock(mu_);
      by_id_.emplace(container.id, entry);
    }
    ++restored;
    if (absl::IsNotFound(pod.status()) && !sandboxes_.Unreadable(container.request.pod_id)) {
      orphans.push_back(entry);  // its pod's creation was undone, or its row is gone
      continue;
    }
    if (container.state == ContainerState::kExited || RecordExit(*entry)) continue;
    const bool rebooted = container.boot_id != options_.boot_id;
    const absl::StatusOr<std::string> state = runtime_states.Of(container);
    if (rebooted || !state.ok() || *state == "stopped") {
      std::lock_guard data(entry->mu);
      entry->container.state = ContainerState::kExited;
      entry->container.exit_code = 255;
      entry->container.finished_at = Now();
      entry->container.reason = "Error";
      entry->container.message = rebooted ? "the host rebooted" : "the container's exit was lost";
    } else if (container.state == ContainerState::kCreated && *state == "running") {
      // Started, but crio was killed before it recorded that.
      std::lock_guard data(entry->mu);
      entry->container.state = ContainerState::kRunning;
      entry->container.started_at = Now();
    }
    (void)Persist(*entry);
  }
  if (restored > 0) log::Info("Restored {} containers", restored);
  for (const auto& orphan : orphans) {
    const Container container = orphan->Copy();
    log::Warn("Removing container {}: its pod sandbox {} no longer exists", container.id,
              container.request.pod_id);
    if (absl::Status removed = RemoveEntry(*orphan, 0); !removed.ok()) {
      log::Error("Container {}: removal failed: {}", container.id, AsStd(removed.message()));
    }
  }
  SweepOrphans(known);
  return absl::OkStatus();
}

void Containers::SweepOrphans(const std::set<std::string>& known) {
  auto orphan = [&](const std::string& id) {
    return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos &&
           !known.contains(id);
  };
  size_t swept = 0;
  // Runtime containers whose bundle crio made: only those under run_root are crio's.
  const std::string bundles = options_.run_root + "/overlay-containers/";
  for (oci::OciRuntime* runtime : runtimes_.All()) {
    auto listed = runtime->List();
    if (!listed.ok()) {
      log::Warn("Cannot list the runtime's containers: {}", AsStd(listed.status().message()));
      continue;
    }
    for (const oci::RuntimeContainer& leftover : *listed) {
      if (!orphan(leftover.id) || !leftover.bundle.starts_with(bundles)) continue;
      log::Warn("Deleting runtime container {}, which crio no longer knows", leftover.id);
      if (absl::Status deleted = runtime->Delete(leftover.id); !deleted.ok()) {
        log::Error("Cannot delete runtime container {}: {}", leftover.id, AsStd(deleted.message()));
      }
      ++swept;
    }
  }
  // Container dirs (the rootfs and the persist dir; the bundle) in crio's own storage root,
  // which is never a containers/storage root (storage/foreign_store.h refuses one).
  for (const std::string& root : {options_.root, options_.run_root}) {
    std::error_code error;
    for (const auto& dir : fs::directory_iterator(root + "/overlay-containers", error)) {
      const std::string id = dir.path().filename().string();
      if (!orphan(id)) continue;
      log::Warn("Removing {}, left by a container crio no longer knows", dir.path().string());
      if (absl::Status removed = rootfs_.Remove(id); !removed.ok()) {
        log::Error("Cannot remove the rootfs of {}: {}", id, AsStd(removed.message()));
        continue;
      }
      std::error_code removed;
      fs::remove_all(dir.path(), removed);
      ++swept;
    }
  }
  // Exit files: the runtime's delete of an unknown id drops what its monitor left.
  auto runtime = runtimes_.Get("");
  std::error_code error;
  for (const auto& file : fs::directory_iterator(options_.exits_dir, error)) {
    const std::string id = file.path().filename().string();
    if (!orphan(id) || !runtime.ok()) continue;
    if (absl::Status deleted = (*runtime)->Delete(id); !deleted.ok()) {
      log::Error("Cannot remove what container {} left: {}", id, AsStd(deleted.message()));
    }
    ++swept;
  }
  if (swept > 0) log::Warn("Start-up reconciliation removed {} container leftovers", swept);
}

}  // namespace crio::container
