// A container as crio keeps it: what CreateContainer asked for (ContainerRequest, plain
// values translated by the server layer) and what happened to it since. The lifecycle lives
// in containers.h, persistence in container_store.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/device_spec.h"
#include "sandbox/sandbox.h"
#include "spec/container_spec.h"

namespace crio::container {

enum class ContainerState { kCreated = 0, kRunning = 1, kExited = 2, kUnknown = 3 };

// CRI's MountPropagation, same values.
enum class Propagation { kPrivate = 0, kHostToContainer = 1, kBidirectional = 2 };

struct MountRequest {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
  bool recursive_read_only = false;  // refused: no runtime here supports it yet
  Propagation propagation = Propagation::kPrivate;
};

using DeviceRequest = DeviceSpec;

struct ContainerRequest {
  std::string pod_id;
  std::string name;
  uint32_t attempt = 0;
  std::string image;  // as the client named it
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<std::string> env;  // KEY=VALUE
  std::vector<MountRequest> mounts;
  std::vector<DeviceRequest> devices;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string log_path;  // relative to the pod's log directory; empty: no log file
  bool stdin = false;
  bool stdin_once = false;
  bool tty = false;
  // Linux
  spec::Resources resources;
  int64_t oom_score_adj = 0;
  bool privileged = false;
  bool readonly_rootfs = false;
  std::vector<std::string> add_capabilities;
  std::vector<std::string> drop_capabilities;
  std::optional<int64_t> run_as_user;
  std::string run_as_username;
  std::optional<int64_t> run_as_group;
  std::vector<int64_t> supplemental_groups;
  bool strict_supplemental_groups = false;
  bool no_new_privs = false;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  sandbox::NamespaceMode pid_mode = sandbox::NamespaceMode::kContainer;
  std::string pid_target;   // pid mode TARGET: the container whose PID namespace to join
  std::string stop_signal;  // "SIGTERM"...; empty: the image's STOPSIGNAL, else SIGTERM
  // "runtime/default", "localhost/ABSOLUTE-PATH", or "" / "unconfined" for none.
  std::string seccomp_profile;
  // "runtime/default" or "" (the configured apparmor_profile), "localhost/NAME", "unconfined".
  std::string apparmor_profile;
  std::string config_blob;  // the CRI ContainerConfig as the server serialized it
};

struct Container {
  std::string id;
  ContainerRequest request;
  std::string image_id;
  std::string image_name;       // the image's first repo tag, or what the client named
  std::string image_ref;        // the image's first repo digest, or its ID
  std::string runtime_handler;  // the pod's; empty: the default
  bool infra = false;           // the pod's infra (pause) container: hidden from CRI lists
  // Recorded before CreateContainer's first side effect and cleared when it succeeds: a row
  // still `creating` at start-up is a creation that crio's exit cut short, torn down then.
  bool creating = false;
  ContainerState state = ContainerState::kCreated;
  int64_t created_at = 0;  // ns since the epoch
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int32_t exit_code = 0;
  std::string reason;
  std::string message;
  int32_t pid = 0;
  std::string log_path;     // absolute; empty without a log
  std::string bundle;       // RUNROOT/containers/ID: config.json, pidfiles
  std::string persist_dir;  // ROOT/containers/ID: conmon's exit and oom files
  std::string rootfs;
  int stop_signal = 15;
  std::string boot_id;
  // The process's identity, as resolved at creation.
  int64_t uid = 0;
  int64_t gid = 0;
  std::vector<int64_t> supplemental_groups;
};

// The cgroup the pod's containers go under: the pod's cgroup_parent, or "/crio".
inline std::string PodCgroupParent(const sandbox::Sandbox& pod) {
  return pod.spec.cgroup_parent.empty() ? "/crio" : pod.spec.cgroup_parent;
}

// The name a container is reserved under, CRI-O's form:
// k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT.
std::string ContainerName(const ContainerRequest& request, const sandbox::PodMetadata& pod);

}  // namespace crio::container
