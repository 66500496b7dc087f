// A pod sandbox as crio keeps it: what RunPodSandbox asked for (SandboxSpec, validated)
// and what crio made for it (namespaces, files, network). Plain values, no behaviour; the
// lifecycle lives in sandboxes.h, persistence in sandbox_store.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "network/pod_network.h"

namespace crio::sandbox {

// CRI's NamespaceMode, same values.
enum class NamespaceMode { kPod = 0, kContainer = 1, kNode = 2, kTarget = 3 };

enum class SandboxState { kReady = 0, kNotReady = 1 };

struct PodMetadata {
  std::string name;
  std::string uid;
  std::string namespace_;
  uint32_t attempt = 0;

  bool operator==(const PodMetadata&) const = default;
};

struct DnsConfig {
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> options;

  bool empty() const { return servers.empty() && searches.empty() && options.empty(); }
  bool operator==(const DnsConfig&) const = default;
};

struct SandboxSpec {
  PodMetadata metadata;
  std::string hostname;
  std::string log_directory;
  std::string runtime_handler;  // empty: the default runtime
  std::string cgroup_parent;
  DnsConfig dns;
  std::vector<network::PortMapping> port_mappings;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  NamespaceMode network_mode = NamespaceMode::kPod;
  NamespaceMode pid_mode = NamespaceMode::kPod;
  NamespaceMode ipc_mode = NamespaceMode::kPod;
  std::map<std::string, std::string> sysctls;
  bool privileged = false;
  std::string seccomp_profile;  // the CRI profile type/path as given, for containers
  // The request's PodSandboxConfig as the server layer serialized it, kept for verbose
  // status and for containers created in the pod; opaque below the server.
  std::string config_blob;

  bool host_network() const { return network_mode == NamespaceMode::kNode; }
  bool host_ipc() const { return ipc_mode == NamespaceMode::kNode; }
  bool host_pid() const { return pid_mode == NamespaceMode::kNode; }
};

struct Sandbox {
  std::string id;  // 64 hex digits
  SandboxSpec spec;
  SandboxState state = SandboxState::kReady;
  int64_t created_at = 0;  // ns since the epoch
  std::string boot_id;     // the host boot the pod's namespaces belong to

  std::string run_dir;     // RUNROOT/pods/ID: hostname, resolv.conf, hosts, shm
  std::string netns_path;  // empty with host network
  std::string ipcns_path;  // empty with host IPC
  std::string utsns_path;
  std::string shm_path;  // RUN_DIR/shm (a tmpfs) or /dev/shm with host IPC
  std::string hostname_path;
  std::string resolv_path;
  std::string hosts_path;

  std::string network;           // CNI network name; empty with host network
  std::vector<std::string> ips;  // IPv4 first
  // The CNI attachment exists (ADD done, DEL not yet done): StopPodSandbox, RemovePodSandbox
  // and a start-up after a reboot detach it, and retry until DEL succeeds.
  bool network_attached = false;

  // RunPodSandbox's intent: the row is written before the first side effect and marked
  // done after the last, so a crio killed in between finds it at start-up and undoes every
  // step (each is derived from the id).
  bool creating = false;

  // The infra (pause) container holding the pod's PID namespace, for pods in POD pid mode;
  // empty otherwise (drop_infra_ctr: no process is needed for the other namespaces).
  std::string infra_id;
  int32_t infra_pid = 0;
  std::string infra_image;  // the pause image it runs, as the pod status reports it
  // Its infra process died (noticed at run time, not stored): the pod reports NOTREADY, as
  // in CRI-O, while `state` stays as it was so StopPodSandbox still tears the pod down.
  bool infra_exited = false;

  // What CRI sees: READY only while running with its infra process (if any) alive.
  bool ready() const { return state == SandboxState::kReady && !infra_exited; }

  bool shares_pid_namespace() const { return spec.pid_mode == NamespaceMode::kPod; }
};

// The name a pod is reserved under, CRI-O's form: k8s_NAME_NAMESPACE_UID_ATTEMPT.
std::string PodName(const PodMetadata& metadata);

}  // namespace crio::sandbox
