// AppArmor for containers, as CRI-O applies it: where the host has AppArmor enabled, each
// unprivileged container runs under a profile, the configured default (apparmor_profile,
// "crio-default") unless it asks for "localhost/NAME" or "unconfined". The profile must be
// loaded in the kernel. Where AppArmor is disabled, profiles are checked for form only and
// nothing is applied. Stateless; the kernel's list of loaded profiles is read per call.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace crio::spec {

struct AppArmorHost {
  bool enabled = false;
  // The kernel's loaded profiles, one "NAME (mode)" per line.
  std::string profiles_file = "/sys/kernel/security/apparmor/profiles";
};

// Whether this host has AppArmor enabled (/sys/module/apparmor/parameters/enabled is "Y").
bool AppArmorEnabled(const std::string& parameter = "/sys/module/apparmor/parameters/enabled");

// The profile a container runs under, "" for none. `requested` is CRI's: "" or
// "runtime/default" (the default profile), "localhost/NAME" or "unconfined". INVALID_ARGUMENT
// for another form; FAILED_PRECONDITION when the profile is not loaded.
absl::StatusOr<std::string> ContainerAppArmorProfile(const std::string& requested, bool privileged,
                                                     const std::string& default_profile,
                                                     const AppArmorHost& host);

// Whether `name` is among the loaded profiles.
bool AppArmorProfileLoaded(const std::string& name, const AppArmorHost& host);

// crio's default profile, named `name`: what a container may do under RuntimeDefault
// (network, its own files, signals among its own processes) and may not (write to /proc's
// and /sys's kernel knobs, mount, ptrace outside itself).
std::string DefaultAppArmorProfile(const std::string& name);

// Loads (or replaces) `profile_text` with apparmor_parser at `parser`.
absl::Status LoadAppArmorProfile(const std::string& profile_text, const std::string& parser);

}  // namespace crio::spec
