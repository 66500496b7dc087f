// The pod side of the object graph: the state database, CNI, namespace pinning and the
// Sandboxes lifecycle, restored from the database before crio serves.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "network/cni.h"
#include "sandbox/pod_isolation.h"
#include "sandbox/sandbox_store.h"
#include "sandbox/sandboxes.h"
#include "state/database.h"

namespace crio {

struct PodStack {
  std::unique_ptr<state::Database> db;
  std::unique_ptr<sandbox::SandboxStore> store;
  std::unique_ptr<network::CniPodNetwork> network;
  sandbox::KernelPodIsolation isolation;
  std::unique_ptr<sandbox::Sandboxes> sandboxes;
};

// Opens ROOT/state.db and restores the pods in it (those from an earlier boot come back
// NOTREADY). `cgroup_manager` is the one in effect (see EffectiveCgroupManager).
absl::StatusOr<std::unique_ptr<PodStack>> BuildPodStack(const config::Config& config,
                                                        const std::string& cgroup_manager);

// This boot's id (/proc/sys/kernel/random/boot_id).
std::string BootId();

}  // namespace crio
