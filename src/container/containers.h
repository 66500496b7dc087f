// Containers: the containers crio runs and their lifecycle (create, start, stop, remove,
// exit, look up, list, restore after a restart).
//
// Create holds the pod against stop and remove (Sandboxes::Hold), reserves the name, writes
// the container's row marked `creating` (the intent), mounts the rootfs over the image's
// layers, resolves the user inside it, writes the OCI spec into the bundle and has the
// runtime (under conmon) create the container, undoing every step on failure. A crio killed
// in between finds the intent at start-up and undoes the steps (Restore). As for pods, a
// kubelet retry after its deadline gets the container its first request created
// (NameRegistry). Exits arrive from the ExitWatcher (OnExit): conmon's exit file gives the
// code, its oom file the reason.
//
// The class's code is in four files: containers.cc (the index and the lifecycle),
// containers_spec.cc (the OCI spec's input), containers_io.cc (exec, attach, logs,
// updates, the status API) and containers_restore.cc (start-up restore and reconciliation).
//
// Thread-safety: as Sandboxes: the index (`mu_`) is held only to find, add or drop entries;
// each container has an operation mutex serializing create/start/stop/remove (held across
// runtime calls, never while `mu_` is held) and a data mutex for its Container value.
// Status and List copy values out and never wait for a Stop in flight.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/caller.h"
#include "common/name_registry.h"
#include "common/rollback.h"
#include "container/container.h"
#include "container/container_store.h"
#include "container/events.h"
#include "container/image_source.h"
#include "container/workloads.h"
#include "image/image_config.h"
#include "nlohmann/json.hpp"
#include "oci/runtime_handlers.h"
#include "sandbox/sandboxes.h"
#include "spec/apparmor.h"
#include "storage/container_rootfs.h"

namespace crio::container {

// The container options a SIGHUP reload may change (config/reload.h).
struct ReloadableOptions {
  std::string seccomp_profile;  // [crio.runtime] seccomp_profile: replaces the built-in default
  std::string apparmor_profile = "crio-default";  // [crio.runtime] apparmor_profile
  std::string pause_image;                        // the infra container's image, pulled when absent
  std::string pause_command;                      // its command; empty: the image's own
  image::Credentials pause_credentials;           // from pause_image_auth_file
  bool pod_events = false;                        // [crio.runtime] enable_pod_events
};

struct ContainersOptions {
  std::string root;      // persist dirs: ROOT/overlay-containers/ID/userdata
  std::string run_root;  // bundles: RUN_ROOT/overlay-containers/ID/userdata
  std::string exits_dir;
  std::vector<std::string> default_capabilities;
  std::vector<std::string> default_ulimits;  // "nofile=1024:2048"
  std::vector<std::string> default_env;      // "NAME=value", below the image's and the request's
  std::string default_mounts_file;           // mounts.conf; empty: the library's default files
  spec::AppArmorHost apparmor;               // disabled unless probed enabled
  int64_t container_min_memory = 12 << 20;   // a smaller memory limit is refused
  std::vector<std::string> absent_mount_sources_to_reject;
  std::vector<std::string> host_capabilities;  // crio's bounding set; empty: all
  std::string image_volumes = "mkdir";         // [crio.image] image_volumes: mkdir, bind or ignore
  std::vector<std::string> hooks_dirs;         // [crio.runtime] hooks_dir
  // Per runtime handler, its allowed_annotations: runtime-interpreted annotation prefixes
  // ("run.oci.", "org.systemd.property."...) it may receive; all others are dropped.
  std::map<std::string, std::vector<std::string>> allowed_annotations;
  std::string privileged_seccomp_profile;       // JSON file for privileged containers; empty: none
  bool seccomp_use_default_when_empty = true;   // no profile named: RuntimeDefault
  std::vector<std::string> additional_devices;  // "HOST[:CONTAINER[:PERMS]]", every container
  std::vector<std::string> allowed_devices;     // what devices.crio.io may ask for
  // Runtime handlers whose privileged containers do not get the host's devices.
  std::set<std::string> privileged_without_host_devices;
  // [crio.runtime] device_ownership_from_security_context: the container's requested devices
  // take its run_as_user/run_as_group (when not root) as their owner.
  bool device_ownership_from_security_context = false;
  std::string default_runtime = "runc";
  std::map<std::string, Workload> workloads;  // [crio.runtime.workloads], by name
  std::string infra_ctr_cpuset;               // infra containers' CPUs; empty: none
  std::string cgroup_manager = "cgroupfs";
  int64_t pids_limit = -1;
  bool negative_oom_score_adj = true;  // false: clamp to 0 (the host refuses them)
  bool hugetlb = false;                // the hugetlb controller exists: hugepage limits apply
  bool swap_accounting = false;        // a memory limit without a swap limit gets swap = limit
  bool cgroup_v2 = false;              // unprivileged containers get a cgroup namespace
  std::vector<std::string> host_masked_paths;  // spec::HostMaskedPaths(), probed at start-up
  std::string boot_id;
  // The options SIGHUP may change, read at each use; empty: ReloadableOptions' defaults.
  std::function<ReloadableOptions()> reloadable;
  std::function<int64_t()> now_ns;    // real time when empty
  ContainerEvents* events = nullptr;  // lifecycle events go here; none when null
  // Told the name (CRI-O's k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT) of each container the
  // kernel killed for running out of memory, once, when its exit is recorded; may be empty.
  std::function<void(const std::string& name)> oom_killed;
};

struct ContainerFilter {
  std::string id_prefix;
  std::string pod_id_prefix;
  std::optional<ContainerState> state;
  std::map<std::string, std::string> label_selector;
};

class Containers final : public sandbox::PodMembers {
 public:
  Containers(ContainersOptions options, ContainerStore& store, sandbox::Sandboxes& sandboxes,
             ImageSource& images, storage::ContainerRootfs& rootfs, oci::RuntimeHandlers& runtimes);

  // Loads the stored containers; those whose process ended while crio was away get their
  // exit code, those from an earlier boot are EXITED. A creation cut short is undone, a
  // container whose pod is gone is removed, and what is left of containers without a row
  // (runtime containers with their bundle under run_root, overlay-containers dirs, exit
  // files) goes. Call after Sandboxes::Restore, before the ExitWatcher starts.
  absl::Status Restore();

  absl::StatusOr<Container> Create(ContainerRequest request, const Caller& caller = {});
  absl::Status Start(const std::string& id);
  // Stop signal, then SIGKILL after `timeout_seconds`; OK for exited ones, NOT_FOUND
  // ("could not find container") for unknown ones, as CRI-O.
  absl::Status Stop(const std::string& id, int64_t timeout_seconds);
  // Stops if needed and deletes everything of the container; OK for unknown ids.
  absl::Status Remove(const std::string& id);

  // Runs `command` in the running container and waits for it (timeout 0: none); output is
  // capped at 16 MiB per stream. DEADLINE_EXCEEDED when the timeout passes.
  absl::StatusOr<oci::ExecResult> ExecSync(const std::string& id,
                                           const std::vector<std::string>& command,
                                           int64_t timeout_seconds);

  // The streaming server's exec: starts `command` in the running container with `stdio`
  // (a terminal with `tty`). FAILED_PRECONDITION unless it runs.
  absl::StatusOr<std::unique_ptr<oci::ExecProcess>> StartExec(
      const std::string& id, const std::vector<std::string>& command, bool tty,
      const oci::ExecStdio& stdio);
  // The streaming server's attach: a connection to the monitor's attach socket of a
  // created or running container, and the container's terminal resize.
  absl::StatusOr<sys::UniqueFd> ConnectAttach(const std::string& id);
  absl::Status ResizeTerminal(const std::string& id, uint16_t width, uint16_t height);

  // UpdateContainerResources: applies `resources` through the runtime to a created or
  // running container.
  absl::Status UpdateResources(const std::string& id, const spec::Resources& resources);
  // ReopenContainerLog: asks conmon (through its ctl fifo) to reopen the log file, e.g.
  // after the kubelet rotated it. The container must be running.
  absl::Status ReopenLog(const std::string& id);

  // The status API's /containers/ID document (CRI-O's ContainerInfo fields): name, pid,
  // image, image_ref, created_time, labels, annotations, log_path, root, sandbox,
  // ip_addresses. NOT_FOUND for unknown IDs.
  absl::StatusOr<nlohmann::json> StatusInfo(const std::string& id) const;

  // The status API's pause/unpause: freeze or thaw a running container. It stays RUNNING
  // for CRI (as in CRI-O).
  absl::Status Pause(const std::string& id);
  absl::Status Resume(const std::string& id);

  // A container (the infra ones included) created from image `image_id`, if any.
  std::optional<std::string> ContainerUsing(const std::string& image_id) const;

  // Where lifecycle events are published; null when nobody asked for them.
  ContainerEvents* events() const { return options_.events; }

  absl::StatusOr<Container> Get(const std::string& id_or_prefix) const;
  // A copy of the container `id`; FAILED_PRECONDITION unless it is running.
  absl::StatusOr<Container> Running(const std::string& id) const;
  // A copy of the container `id`; FAILED_PRECONDITION unless it is created or running.
  absl::StatusOr<Container> CreatedOrRunning(const std::string& id) const;
  std::vector<Container> List(const ContainerFilter& filter) const;

  // From the ExitWatcher: conmon recorded that `id` exited.
  void OnExit(const std::string& id);

  // sandbox::PodMembers
  absl::StatusOr<sandbox::InfraProcess> StartInfra(const sandbox::Sandbox& pod) override;
  absl::Status RemoveInfra(const std::string& id) override;
  absl::Status StopPodMembers(const std::string& pod_id) override;
  absl::Status RemovePodMembers(const std::string& pod_id) override;

 private:
  struct Entry {
    bool infra = false;  // set before the entry is published, constant after
    std::mutex operation;
    mutable std::mutex mu;
    std::condition_variable exited;  // signalled with mu when the state becomes EXITED
    Container container ABSL_GUARDED_BY(mu);
    std::string name ABSL_GUARDED_BY(mu);
    bool removed ABSL_GUARDED_BY(mu) = false;
    Container Copy() const {
      std::lock_guard lock(mu);
      return container;
    }
  };

  // By id or unique prefix; the infra containers only when `infra` is set.
  std::shared_ptr<Entry> Find(const std::string& id_or_prefix, absl::Status* error,
                              bool infra = false) const;
  absl::StatusOr<Container> CreateIn(ContainerRequest request, const sandbox::Sandbox& pod,
                                     bool infra, const Caller& caller);
  absl::Status StartEntry(Entry& entry);
  // OK when `container` is created or running, else FAILED_PRECONDITION.
  static absl::Status CheckCreatedOrRunning(const Container& container);
  // The OCI process for running `command` in `container` (its own, with new args).
  absl::StatusOr<std::string> ExecProcessJson(const Container& container,
                                              const std::vector<std::string>& command,
                                              bool tty) const;
  absl::Status RemoveEntry(Entry& entry, int64_t stop_timeout_seconds);
  // Removes the containers kept for a retry that nobody claimed in time.
  void RemoveUnclaimed();
  // Start-up: removes what is left of container ids without a row (see Restore).
  void SweepOrphans(const std::set<std::string>& known);
  absl::Status Build(Container& container, const std::string& name, const sandbox::Sandbox& pod,
                     Rollback& rollback);
  // The container's bundle and persist dirs, derived from its id.
  void SetPaths(Container& container) const;
  // Start-up: undoes what a CreateContainer that crio's exit cut short left behind (the
  // runtime's container and its conmon, the rootfs mount, the dirs) and forgets the row.
  void AbandonCreation(const Container& container);
  absl::StatusOr<spec::ContainerSpecInput> SpecInput(const Container& container,
                                                     const sandbox::Sandbox& pod,
                                                     const image::ImageConfig& config);
  // Applies the exit recorded by conmon to `entry`; false if none is recorded yet.
  bool RecordExit(Entry& entry);
  // The name options_.oom_killed is told: CRI-O's k8s_… name, or the CRI name without a pod.
  std::string OomName(const Container& container) const;
  absl::Status Persist(Entry& entry);
  absl::Status StopLocked(Entry& entry, int64_t timeout_seconds);
  absl::StatusOr<std::optional<nlohmann::json>> Seccomp(
      const ContainerRequest& request, const std::vector<std::string>& capabilities) const;
  // The pod's containers, its infra container last when `infra` is set.
  std::vector<std::shared_ptr<Entry>> EntriesInPod(const std::string& pod_id, bool infra) const;
  int64_t Now() const;
  ReloadableOptions Reloadable() const;
  // Tells the GetContainerEvents subscribers (infra containers aside).
  void Publish(const Container& container, EventType type) const;
  // The container's devices (devices.h): additional_devices, the pod's devices.crio.io
  // annotation where `runtime_handler` allows it, the request's own, and the host's for
  // privileged containers.
  // The container's OCI annotations, CRI-O's set: the pod's, crio's own
  // (io.kubernetes.cri-o.*), the container's and its labels, each filtered by `allowed`.
  std::map<std::string, std::string> SpecAnnotations(const Container& container,
                                                     const sandbox::Sandbox& pod,
                                                     const std::vector<std::string>& allowed) const;
  // The experimental annotations the container may use: its handler's allowed_annotations,
  // and those of the workload its pod is in.
  // The status API's description of a pod without an infra container, under the pod's ID,
  // as CRI-O describes the infra container it stands in for; `not_found` when `id` names no
  // such pod.
  absl::StatusOr<nlohmann::json> DroppedInfraStatusInfo(const std::string& id,
                                                        const absl::Status& not_found) const;
  std::vector<std::string> AllowedAnnotations(const std::string& runtime_handler,
                                              const sandbox::Sandbox& pod) const;
  absl::StatusOr<std::vector<spec::Device>> Devices(const ContainerRequest& request,
                                                    const sandbox::Sandbox& pod,
                                                    const std::string& runtime_handler) const;
  // Resources a kubelet may send: memory above container_min_memory, swap limit not below
  // the memory limit, hugepage sizes such as "2MB".
  absl::Status ValidateResources(const spec::Resources& resources) const;
  // `resources` as this host's runtime is given them: hugepage limits only with the hugetlb
  // controller, and a memory limit without a swap limit gets swap = limit where swap is
  // accounted (CRI-O's rule).
  spec::Resources ForHost(spec::Resources resources) const;

  const ContainersOptions options_;
  ContainerStore& store_;
  sandbox::Sandboxes& sandboxes_;
  ImageSource& images_;
  storage::ContainerRootfs& rootfs_;
  oci::RuntimeHandlers& runtimes_;

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> by_id_ ABSL_GUARDED_BY(mu_);
  NameRegistry names_{"container"};
};

}  // namespace crio::container
