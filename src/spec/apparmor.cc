#include "spec/apparmor.h"

#include <sstream>

#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/process.h"

namespace crio::spec {
namespace {

constexpr char kLocalhost[] = "localhost/";

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 256) return false;
  for (const char c : name) {
    if (c <= ' ' || c == 0x7f) return false;  // control characters and spaces
  }
  return true;
}

}  // namespace

bool AppArmorEnabled(const std::string& parameter) {
  std::istringstream enabled(ReadFileToString(parameter, 4096).value_or(""));
  std::string value;
  return enabled >> value && value == "Y";
}

bool AppArmorProfileLoaded(const std::string& name, const AppArmorHost& host) {
  auto profiles = ReadFileToString(host.profiles_file, 16 << 20);
  if (!profiles.ok()) return false;
  std::istringstream lines(*profiles);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name) && (line.size() == name.size() || line[name.size()] == ' ')) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> ContainerAppArmorProfile(const std::string& requested, bool privileged,
                                                     const std::string& default_profile,
                                                     const AppArmorHost& host) {
  std::string profile;
  if (requested.empty() || requested == "runtime/default") {
    profile = default_profile;
  } else if (requested.starts_with(kLocalhost)) {
    profile = requested.substr(sizeof(kLocalhost) - 1);
    if (!ValidName(profile)) {
      return absl::InvalidArgumentError(
          fmt::format("apparmor profile {:?}: not a profile name", requested));
    }
  } else if (requested != "unconfined") {
    return absl::InvalidArgumentError(
        fmt::format("apparmor profile {:?}: expected runtime/default, localhost/NAME or unconfined",
                    requested));
  }
  if (!host.enabled || privileged || profile.empty() || profile == "unconfined") return "";
  if (!AppArmorProfileLoaded(profile, host)) {
    return absl::FailedPreconditionError(
        fmt::format("apparmor profile {:?} is not loaded", profile));
  }
  return profile;
}

std::string DefaultAppArmorProfile(const std::string& name) {
  return fmt::format(R"(#include <tunables/global>

profile {0} flags=(attach_disconnected,mediate_deleted) {{
  #include <abstractions/base>

  network,
  capability,
  file,
  umount,
  signal (receive) peer=unconfined,
  signal (send,receive) peer={0},
  ptrace (trace,read,tracedby,readby) peer={0},

  deny @{{PROC}}/* w,
  deny @{{PROC}}/{{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}}/** w,
  deny @{{PROC}}/sys/[^k]** w,
  deny @{{PROC}}/sys/kernel/{{?,??,[^s][^h][^m]**}} w,
  deny @{{PROC}}/sysrq-trigger rwklx,
  deny @{{PROC}}/kcore rwklx,

  deny mount,

  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/kernel/security/** rwklx,
}}
)",
                     name);
}

absl::Status LoadAppArmorProfile(const std::string& profile_text, const std::string& parser) {
  // -K: do not cache; -r: replace a loaded profile of the same name.
  ASSIGN_OR_RETURN(const sys::ProcessResult result,
                   sys::RunProcess({.argv = {parser, "-Kr"},
                                    .env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
                                    .stdin_data = profile_text}));
  if (result.exit_code != 0) {
    return absl::InternalError(
        fmt::format("apparmor_parser failed ({}): {}", result.exit_code, result.err));
  }
  return absl::OkStatus();
}

}  // namespace crio::spec
