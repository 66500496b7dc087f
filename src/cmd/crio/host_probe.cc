#include "cmd/crio/host_probe.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "common/log.h"
#include "common/read_file.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "oci/runtime_version.h"
#include "spec/apparmor.h"
#include "sys/process.h"
#include "sys/unique_fd.h"

namespace crio {

std::string EffectiveCgroupManager(const std::string& configured, std::string* why) {
  // sd_booted(3): systemd is PID 1 exactly when this directory exists.
  if (configured == "systemd" && ::access("/run/systemd/system", F_OK) != 0) {
    *why = "systemd is not running on this host (no /run/systemd/system)";
    return "cgroupfs";
  }
  return configured;
}

absl::Status CheckJournald(const config::Config& config, const std::string& socket) {
  if (!config.runtime.log_to_journald) return absl::OkStatus();
  struct stat info {};
  if (::stat(socket.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) return absl::OkStatus();
  return absl::FailedPreconditionError(fmt::format(
      "log_to_journald is set, but journald is not running here ({} is not a socket): "
      "container output cannot go to the journal",
      socket));
}

bool ResctrlMounted() {
  auto mountinfo = ReadFileToString("/proc/self/mountinfo", 4 << 20);
  if (!mountinfo.ok()) return false;
  // "... - resctrl resctrl rw": the filesystem type follows the separator.
  return mountinfo->find(" - resctrl ") != std::string::npos;
}

absl::Status CheckResourceClasses(const config::Config& config, const std::string& cgroup_manager,
                                  bool resctrl_mounted) {
  const config::RuntimeConfig& runtime = config.runtime;
  if (runtime.blockio_config_file.empty()) {
    log::Info("No blockio config file specified, blockio not configured");
  } else {
    return absl::FailedPreconditionError(fmt::format(
        "blockio configuration: blockio_config_file \"{}\" is set, but crio applies no blockio "
        "classes",
        runtime.blockio_config_file));
  }
  if (!resctrl_mounted) {
    log::Info("RDT not available in the host system");
  } else if (runtime.rdt_config_file.empty()) {
    log::Info("No RDT config file specified, RDT not enabled");
  } else {
    return absl::FailedPreconditionError(fmt::format(
        "rdt configuration: rdt_config_file \"{}\" is set, but crio configures no RDT classes",
        runtime.rdt_config_file));
  }
  const std::string& pull_cgroup = config.image.separate_pull_cgroup;
  if (!pull_cgroup.empty()) {
    return absl::FailedPreconditionError(
        cgroup_manager != "systemd"
            ? std::string("--separate-pull-cgroup is supported only with systemd")
            : fmt::format("separate_pull_cgroup \"{}\" is set, but crio pulls in its own cgroup",
                          pull_cgroup));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs =
      path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = fmt::format("{}/{}", dir, name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(fmt::format("\"{}\" not found in $PATH", name));
}

absl::StatusOr<std::string> ResolveRuntimePath(const std::string& name,
                                               const config::RuntimeHandler& handler) {
  if (handler.runtime_path.empty()) return FindInPath(name);
  if (::access(handler.runtime_path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(fmt::format("runtime_path \"{}\" is not an executable: {}",
                                           handler.runtime_path, std::strerror(errno)));
  }
  return handler.runtime_path;
}

CgroupFeatures ProbeCgroupFeatures() {
  std::error_code ignored;
  if (std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers", ignored)) {  // v2
    std::istringstream controllers(
        ReadFileToString("/sys/fs/cgroup/cgroup.controllers", 1 << 20).value_or(""));
    std::string name;
    CgroupFeatures features{.v2 = true};
    while (controllers >> name) features.hugetlb |= name == "hugetlb";
    // The root has no memory.swap.max; crio's own cgroup (or any child) does when swap is
    // accounted.
    std::istringstream self(ReadFileToString("/proc/self/cgroup", 1 << 20).value_or(""));
    std::string line;
    while (std::getline(self, line)) {
      if (line.starts_with("0::")) {
        features.swap = std::filesystem::exists(
            "/sys/fs/cgroup" + line.substr(3) + "/memory.swap.max", ignored);
      }
    }
    return features;
  }
  return {.hugetlb = std::filesystem::exists("/sys/fs/cgroup/hugetlb", ignored),
          .swap = std::filesystem::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
                                          ignored)};
}

void EnsureDefaultAppArmorProfile(const std::string& profile) {
  const spec::AppArmorHost host{.enabled = spec::AppArmorEnabled()};
  if (!host.enabled || profile != "crio-default" || spec::AppArmorProfileLoaded(profile, host)) {
    return;
  }
  auto parser = FindInPath("apparmor_parser");
  if (!parser.ok()) {
    log::Warn("AppArmor is enabled but apparmor_parser is not installed: cannot load {}", profile);
    return;
  }
  if (auto loaded = spec::LoadAppArmorProfile(spec::DefaultAppArmorProfile(profile), *parser);
      !loaded.ok()) {
    log::Warn("Cannot load the AppArmor profile {}: {}", profile, AsStd(loaded.message()));
    return;
  }
  log::Info("Loaded the AppArmor profile {}", profile);
}

namespace {

// Writes `value` to our oom_score_adj; false when the kernel refuses it.
bool WriteOomScoreAdj(int value) {
  sys::UniqueFd file(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  const std::string text = std::to_string(value);
  return file && ::write(file.get(), text.data(), text.size()) ==
                     static_cast<ssize_t>(text.size());
}

}  // namespace

bool NegativeOomScoreAdjAllowed() {
  const std::string current =
      ReadFileToString("/proc/self/oom_score_adj", 64).value_or("0");
  int value = std::atoi(current.c_str());
  if (value <= -1000) return true;
  const bool allowed = WriteOomScoreAdj(value - 1);
  WriteOomScoreAdj(value);
  return allowed;
}

uint64_t BoundingCapabilities() {
  std::istringstream status(ReadFileToString("/proc/self/status", 1 << 20).value_or(""));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("CapBnd:")) return std::strtoull(line.c_str() + 7, nullptr, 16);
  }
  return ~0ULL;
}

void NotifySystemdReady() {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || socket_path[0] == '\0') return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const size_t length = std::strlen(socket_path);
  if (length >= sizeof(address.sun_path)) return;
  std::memcpy(address.sun_path, socket_path, length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  sys::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  constexpr std::string_view kReady = "READY=1";
  if (!fd || ::sendto(fd.get(), kReady.data(), kReady.size(), MSG_NOSIGNAL,
                      reinterpret_cast<const sockaddr*>(&address),
                      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length)) < 0) {
    log::Warn("notify systemd at {}: {}", socket_path, std::strerror(errno));
  }
}

void WarnIfVulnerableRuntime(const std::string& path) {
  auto version = sys::RunProcess({.argv = {path, "--version"},
                                  .env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"},
                                  .timeout = std::chrono::seconds(10),
                                  .max_output = 1 << 16});
  if (!version.ok() || version->exit_code != 0) return;
  if (auto warning = oci::VulnerableRuntimeWarning(path, version->out)) log::Warn("{}", *warning);
}

}  // namespace crio
