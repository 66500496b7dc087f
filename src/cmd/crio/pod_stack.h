// The workload side of the object graph: the state database, CNI, namespace pinning, the
// runtime handlers (conmon + runc/crun), container root filesystems, and the Sandboxes and
// Containers lifecycles, restored from the database before crio serves; then the exit
// watcher, which needs the restored containers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "config/live_config.h"
#include "container/container_store.h"
#include "container/containers.h"
#include "image/images.h"
#include "network/cni.h"
#include "oci/exit_watcher.h"
#include "oci/runtime_handlers.h"
#include "sandbox/pod_isolation.h"
#include "sandbox/sandbox_store.h"
#include "sandbox/sandboxes.h"
#include "state/database.h"
#include "stats/container_stats.h"
#include "storage/container_layers.h"
#include "sys/cgroups.h"

namespace crio {

// Who hears of what the pod stack does, for the metrics; each may be empty.
struct PodStackObservers {
  std::function<void(const std::string& container_name)> oom_killed;
  std::function<void(std::string_view step, double seconds)> step_timed;
};

struct PodStackHost {
  std::string cgroup_manager;  // in effect (see EffectiveCgroupManager)
  bool negative_oom_score_adj = true;
  bool hugetlb = false;                   // the hugetlb cgroup controller is there
  bool swap_accounting = false;           // memory cgroups account swap
  bool cgroup_v2 = false;                 // /sys/fs/cgroup is cgroup v2
  std::vector<std::string> masked_paths;  // the host's default masks (spec::HostMaskedPaths)
  std::vector<sys::CgroupHierarchy> cgroup_hierarchies;  // where crio makes conmon's cgroups
};

struct PodStack {
  std::unique_ptr<state::Database> db;
  std::unique_ptr<sandbox::SandboxStore> pod_store;
  std::unique_ptr<container::ContainerStore> container_store;
  std::unique_ptr<network::CniPodNetwork> network;
  sandbox::KernelPodIsolation isolation;
  std::unique_ptr<network::HostPorts> hostports;  // none with disable_hostport_mapping
  std::unique_ptr<oci::RuntimeHandlers> runtimes;
  std::unique_ptr<storage::ContainerLayers> layers;
  std::unique_ptr<container::ImagesSource> images;
  std::unique_ptr<sandbox::Sandboxes> sandboxes;
  std::unique_ptr<container::ContainerEvents> events;  // for GetContainerEvents
  std::unique_ptr<container::Containers> containers;
  std::unique_ptr<stats::ContainerStatsCollector> container_stats;
  std::unique_ptr<oci::ExitWatcher> exits;
};

// This host's answers to what BuildPodStack needs (cgroup manager in effect, negative
// oom_score_adj, hugetlb, swap accounting), probed once; the surprises are logged.
PodStackHost ProbeHost(const config::Config& config);

// Opens ROOT/state.db, restores pods and containers (those from an earlier boot come back
// NOTREADY / EXITED) and starts watching container exits. Containers read the options
// SIGHUP may change from `live`, which must outlive the stack, as must `store_files` (the
// image store's: containers' layers and records live in the same files).
absl::StatusOr<std::unique_ptr<PodStack>> BuildPodStack(const config::LiveConfig& live,
                                                        const PodStackHost& host,
                                                        image::Images& images,
                                                        storage::StoreFiles& store_files,
                                                        PodStackObservers observers = {});

// This boot's id (/proc/sys/kernel/random/boot_id, or the file CRIO_TEST_BOOT_ID_FILE names).
std::string BootId();

}  // namespace crio
