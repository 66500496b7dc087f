// Start-up checks of the host that the configuration alone cannot answer.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace crio {

// The cgroup manager to use: the configured one, except that "systemd" falls back to
// "cgroupfs" (with the reason in `why`) when systemd is not running on this host.
std::string EffectiveCgroupManager(const std::string& configured, std::string* why);

// Resolves `name`'s runtime binary: runtime_path when set, otherwise NAME in $PATH.
absl::StatusOr<std::string> ResolveRuntimePath(const std::string& name,
                                               const config::RuntimeHandler& handler);

// Logs a warning when the runtime binary at `path` is a runc known to be open to a
// container breakout (see oci/runtime_version.h).
void WarnIfVulnerableRuntime(const std::string& path);

// With log_to_journald, the journal must be there to take container output:
// FAILED_PRECONDITION naming the key when journald's socket is missing (conmon would drop
// every line it cannot send).
absl::Status CheckJournald(const config::Config& config,
                           const std::string& socket = "/run/systemd/journal/socket");

// Whether the resctrl filesystem (Intel RDT / AMD QoS) is mounted, as goresctrl finds it.
bool ResctrlMounted();

// The resource-class keys crio reads but does not apply, where CRI-O would act on them:
// FAILED_PRECONDITION rather than a silent no-op. As CRI-O, RDT is simply off where the host
// has no resctrl, and every key is fine at its default (each case is logged as CRI-O logs
// it). `cgroup_manager` is the manager in effect.
absl::Status CheckResourceClasses(const config::Config& config, const std::string& cgroup_manager,
                                  bool resctrl_mounted);

// Finds an executable `name` in the directories of $PATH.
absl::StatusOr<std::string> FindInPath(const std::string& name);

// Whether this kernel lets crio give processes a negative oom_score_adj (some refuse it even
// to root). Probed once by lowering crio's own value by one and restoring it.
bool NegativeOomScoreAdjAllowed();

// crio's own capability bounding set (CapBnd in /proc/self/status); all bits when unknown.
uint64_t BoundingCapabilities();

// Whether this host's cgroups have the hugetlb controller (CRI hugepage limits apply only
// then) and swap accounting (memory limits then default the swap limit to the same value).
struct CgroupFeatures {
  bool v2 = false;  // /sys/fs/cgroup is the unified (v2) hierarchy
  bool hugetlb = false;
  bool swap = false;
};
CgroupFeatures ProbeCgroupFeatures();

// Where AppArmor is enabled and `profile` is crio's own "crio-default" but not loaded,
// loads it with apparmor_parser (as CRI-O does at start-up); problems are logged, and
// containers asking for the default profile then fail with a clear error.
void EnsureDefaultAppArmorProfile(const std::string& profile);

// Tells systemd (Type=notify) that start-up finished, when run under it.
void NotifySystemdReady();

}  // namespace crio
