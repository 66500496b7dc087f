// Sandboxes: the pods crio runs, and their lifecycle (run, stop, remove, look up, list,
// restore after a restart).
//
// Run validates the request, reserves the pod's name, writes the pod's row marked
// `creating` (the intent), then builds the pod step by step (run dir and files, /dev/shm,
// namespaces with sysctls and hostname, CNI attachment, /etc/hosts, the infra container),
// registering an undo per step so a failure leaves nothing, and marks the row done. A crio
// killed in between finds the intent at start-up and undoes every step (Restore).
// Stop detaches the network (DEL retried; a failure is returned and the next Stop or Remove
// retries it) and always releases the namespaces and shm.
//
// Restore also reconciles: pods from an earlier boot get their CNI DEL, and pins, run dirs
// and CNI attachments named after a pod id that has no row are removed (only in crio's own
// directories and only names crio makes: 64 hex digits).
//
// Kubelet retries: when the caller of Run has gone away by the time the pod is built, the
// pod is kept for a retry of the same request (NameRegistry: 2 minutes, then it is
// removed); a retry that arrives while the first is still building waits for it.
//
// Thread-safety: the index (`mu_`) is held only to find, add or drop entries. Each pod has
// a lifecycle fence (`operation`): run/stop/remove hold it exclusively (across CNI and
// mounts, so never while `mu_` is held), creating or starting a container in the pod holds
// it shared (Hold), so a container create racing StopPodSandbox either ends before the stop
// begins (and is stopped by it) or finds the pod stopped. A data mutex guards the Sandbox
// value, which readers copy out. Status and List never wait for a Stop in flight.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/caller.h"
#include "common/name_registry.h"
#include "common/rollback.h"
#include "network/pod_network.h"
#include "sandbox/pod_isolation.h"
#include "network/hostports.h"
#include "sandbox/link_logs.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_store.h"

namespace crio::sandbox {

// What lives in a pod besides its namespaces: containers, and for pods sharing one PID
// namespace the infra container holding it. Run starts the infra container once the
// namespaces and network exist; Stop and Remove of a pod stop and remove its members
// first. Implemented by container::Containers.
struct InfraProcess {
  std::string id;
  int32_t pid = 0;
  std::string image;  // the pause image, as named in the configuration
};

class PodMembers {
 public:
  virtual ~PodMembers() = default;
  // Creates and starts the pod's infra container in its (not yet published) namespaces.
  virtual absl::StatusOr<InfraProcess> StartInfra(const Sandbox& pod) = 0;
  // Stops and deletes it; OK when it is gone.
  virtual absl::Status RemoveInfra(const std::string& id) = 0;
  virtual absl::Status StopPodMembers(const std::string& pod_id) = 0;
  virtual absl::Status RemovePodMembers(const std::string& pod_id) = 0;
};

struct SandboxesOptions {
  std::string run_root;        // pods' run dirs: RUN_ROOT/pods/ID
  std::string namespaces_dir;  // [crio.runtime] namespaces_dir
  std::string log_dir;         // [crio] log_dir, for pods without log_directory
  std::vector<std::string> default_sysctls;
  std::set<std::string> runtime_handlers;  // the configured [crio.runtime.runtimes] names
  // Configured handlers crio cannot run (runtime_type "vm" or "pod"), with their type.
  std::map<std::string, std::string> unsupported_handlers;
  std::string boot_id;
  std::string cgroup_manager = "cgroupfs";  // in effect: "systemd" or "cgroupfs"
  bool drop_infra_ctr = true;  // false: every pod gets an infra container, as CRI-O's option
  std::string host_resolv_conf = "/etc/resolv.conf";
  std::string host_hosts = "/etc/hosts";
  uint64_t shm_size_bytes = 64 << 20;  // unless the pod's io.kubernetes.cri-o.ShmSize says
  // Whether the pod may use the experimental annotation `key` (CRI-O's allowed_annotations:
  // its handler's and its workload's); none may when empty.
  std::function<bool(const SandboxSpec& spec, std::string_view key)> annotation_allowed;
  KubeletDirs kubelet_dirs;  // for io.kubernetes.cri-o.LinkLogs (link_logs.h)
  // crio's own host port mapping (CRI-O's hostport manager); none when null
  // (disable_hostport_mapping).
  network::HostPorts* hostports = nullptr;
  std::function<int64_t()> now_ns;  // the clock; real time when empty
  // Told how long the steps CRI-O's metrics time took: "network_setup_pod" (the CNI ADD),
  // "network_setup_overall" (namespaces and network); may be empty.
  std::function<void(std::string_view step, double seconds)> step_timed;
};

// A pod held shared (see Sandboxes::Hold): it is not stopped or removed while this lives.
class PodHold {
 public:
  const Sandbox& pod() const { return pod_; }

 private:
  friend class Sandboxes;
  PodHold(Sandbox pod, std::shared_ptr<void> keep, std::shared_lock<std::shared_mutex> fence)
      : pod_(std::move(pod)), keep_(std::move(keep)), fence_(std::move(fence)) {}
  Sandbox pod_;
  std::shared_ptr<void> keep_;  // the pod's entry, which owns the fence's mutex
  std::shared_lock<std::shared_mutex> fence_;
};

struct SandboxFilter {
  std::string id_prefix;
  std::optional<SandboxState> state;
  std::map<std::string, std::string> label_selector;  // every pair must match
};

class Sandboxes {
 public:
  Sandboxes(SandboxesOptions options, SandboxStore& store, network::PodNetwork& network,
            PodIsolation& isolation);

  // Reads the stored pods (once, before serving). A pod whose creation was cut short is
  // undone; pods from an earlier boot come back NOTREADY with their network detached and
  // their stale namespace files removed; so does a READY pod whose network namespace is no
  // longer pinned. Then leftovers without a row are removed (see above).
  absl::Status Restore();

  // Runs the pod; a retry of a request whose caller went away gets the kept pod.
  absl::StatusOr<Sandbox> Run(SandboxSpec spec, const Caller& caller = {});
  // OK for an unknown id (CRI semantics) and for a pod already stopped and detached.
  absl::Status Stop(const std::string& id);
  // Stops the pod if needed and forgets it; OK for an unknown id.
  absl::Status Remove(const std::string& id);

  // By full id or unique prefix: NOT_FOUND, or INVALID_ARGUMENT when ambiguous.
  absl::StatusOr<Sandbox> Get(const std::string& id_or_prefix) const;
  // The pod `id`, held against stop and remove until the hold is destroyed (for container
  // create and start). With `ready`: FAILED_PRECONDITION unless the pod is ready.
  absl::StatusOr<PodHold> Hold(const std::string& id, bool ready) const;
  // Matching pods, oldest first.
  std::vector<Sandbox> List(const SandboxFilter& filter) const;
  // io.kubernetes.cri-o.LinkLogs: links the log of the pod's container `id` (NAME/ATTEMPT.log)
  // into the pod's linked logs directory; a warning when that fails, as CRI-O.
  void LinkContainerLogs(const Sandbox& pod, const std::string& id, const std::string& name,
                         uint32_t attempt) const;
  // A pod whose row Restore could not read: its containers are kept, not swept.
  bool Unreadable(const std::string& id) const { return unreadable_.contains(id); }
  // From the pod's members: its infra process died, so the pod reports NOTREADY.
  void InfraExited(const std::string& id);

  // Runs CNI CHECK for a READY pod on a pod network: OK when the plugins find the
  // attachment as they made it. FAILED_PRECONDITION for host-network or stopped pods.
  absl::Status CheckNetwork(const Sandbox& sandbox) const;

  // Who to stop and remove with a pod; set once, before serving.
  void SetMembers(PodMembers* members) { members_ = members; }

  // UpdateRuntimeConfig: the node's pod CIDR, offered to CNI plugins for new pods.
  void SetPodCidr(const std::string& cidr);

 private:
  struct Entry {
    // The lifecycle fence: run/stop/remove exclusive, container create/start shared.
    mutable std::shared_mutex operation;
    mutable std::mutex mu;
    Sandbox sandbox ABSL_GUARDED_BY(mu);
    bool removed ABSL_GUARDED_BY(mu) = false;
    Sandbox Copy() const {
      std::lock_guard lock(mu);
      return sandbox;
    }
  };

  // Removes the pods kept for a retry that nobody claimed in time.
  void RemoveExpired();
  // Where a pod's logs go when its request names no log_directory: LOG_DIR/ID.
  std::string DefaultLogDirectory(const std::string& id) const;
  // The run dir and file paths, derived from the id.
  void SetPaths(Sandbox& sandbox) const;
  // Start-up: undoes every step a Run cut short may have done (each derived from the id)
  // and forgets the row; keeps it when something could not be undone.
  void AbandonCreation(const Sandbox& sandbox);
  // Start-up: a pod whose namespaces went away (reboot) is detached and NOTREADY.
  absl::Status RestoreLost(Sandbox& sandbox, bool rebooted);
  // Start-up: removes pins, run dirs and CNI attachments of pod ids without a row.
  void SweepOrphans(const std::set<std::string>& known);
  // Detaches the pod's network, retrying DEL.
  absl::Status DetachNetwork(const Sandbox& sandbox);
  std::shared_ptr<Entry> Find(const std::string& id_or_prefix, absl::Status* error) const;
  // The size of the pod's /dev/shm: shm_size_bytes, or what its io.kubernetes.cri-o.ShmSize
  // annotation says where allowed_annotations lets it (INVALID_ARGUMENT if not a quantity).
  absl::StatusOr<uint64_t> ShmSize(const SandboxSpec& spec) const;
  // Whether the pod's handler or workload lets it use the experimental annotation `key`.
  bool AnnotationAllowed(const SandboxSpec& spec, std::string_view key) const;
  // The paths of the pod's linked logs, when it asks for them and may; nullopt otherwise
  // (with a warning for a request that names impossible paths).
  std::optional<LinkedLogs> LinkedLogsOf(const Sandbox& sandbox) const;
  // crio's own host port mapping of the pod's first IPv4 address, undone by `rollback`.
  absl::Status MapHostPorts(const Sandbox& sandbox,
                            const std::vector<network::PortMapping>& mappings, Rollback& rollback);
  // Removes it, with a warning when that fails (as CRI-O).
  void UnmapHostPorts(const Sandbox& sandbox);
  // Mounts the kubelet's log directory of the pod in its volume; warns when it cannot.
  void MountPodLogs(const Sandbox& sandbox, Rollback& rollback);
  // The cgroup CRI-O makes for a pod without an infra container (cAdvisor finds the pod by
  // it): crio-ID below the pod's cgroup parent, a systemd slice taken as its path; empty
  // under systemd when the pod names no parent.
  absl::StatusOr<std::string> PodCgroupPath(const Sandbox& sandbox) const;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Sysctls(
      const SandboxSpec& spec) const;
  absl::Status Build(Sandbox& sandbox, Rollback& rollback);
  absl::Status MakeFiles(Sandbox& sandbox, Rollback& rollback);
  absl::Status MakeNamespaces(Sandbox& sandbox, Rollback& rollback);
  absl::Status AttachNetwork(Sandbox& sandbox, Rollback& rollback);
  // Reports the time since `started` as `step` to options_.step_timed.
  void TimeStep(std::string_view step, std::chrono::steady_clock::time_point started) const;
  absl::Status StartInfra(Sandbox& sandbox, Rollback& rollback);
  network::Attachment AttachmentOf(const Sandbox& sandbox) const;
  // REQUIRES: entry.operation held.
  absl::Status StopLocked(Entry& entry);
  int64_t Now() const;

  const SandboxesOptions options_;
  SandboxStore& store_;
  network::PodNetwork& network_;
  PodIsolation& isolation_;
  PodMembers* members_ = nullptr;

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> by_id_ ABSL_GUARDED_BY(mu_);
  std::string pod_cidr_ ABSL_GUARDED_BY(mu_);
  NameRegistry names_{"pod sandbox"};
  std::set<std::string> unreadable_;  // written by Restore only, before serving
};

}  // namespace crio::sandbox
