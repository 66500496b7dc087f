// Containers: start-up restore and reconciliation (creations cut short, containers of
// gone pods, leftovers without a row). See containers.h and docs/crash-consistency.md.
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/random_id.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "container/containers.h"
#include "fmt/format.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

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
  // Leftovers are swept only under the names crio gives.
  auto orphan = [&](const std::string& id) { return IsRandomId(id) && !known.contains(id); };
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
  // Container dirs (the rootfs and the persist dir; the bundle). The storage roots are
  // shared with podman and buildah, whose containers have dirs there too: theirs stay.
  auto recorded = rootfs_.Recorded();
  if (!recorded.ok()) {
    log::Warn("Cannot read the storage's container records, so no container dir is swept: {}",
              AsStd(recorded.status().message()));
  }
  for (const std::string& id : recorded.ok() ? recorded->crios : std::set<std::string>()) {
    if (!orphan(id)) continue;
    log::Warn("Removing the root filesystem of {}, a container crio no longer knows", id);
    if (absl::Status removed = rootfs_.Remove(id); !removed.ok()) {
      log::Error("Cannot remove the rootfs of {}: {}", id, AsStd(removed.message()));
    }
    ++swept;
  }
  for (const std::string& root : {options_.root, options_.run_root}) {
    if (!recorded.ok()) break;
    std::error_code error;
    for (const auto& dir : fs::directory_iterator(root + "/overlay-containers", error)) {
      const std::string id = dir.path().filename().string();
      if (!orphan(id) || !dir.is_directory() || recorded->others.contains(id)) continue;
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
