#include "cmd/crio/version_info.h"

#include <sstream>
#include <string_view>
#include <utility>

#include "common/read_file.h"
#include "fmt/format.h"
#include "version.h"

namespace crio {
namespace {

// The kernel can confine processes with seccomp filters ("Seccomp:" in /proc/self/status).
bool SeccompEnabled() {
  std::istringstream status(ReadFileToString("/proc/self/status", 1 << 20).value_or(""));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("Seccomp:")) return true;
  }
  return false;
}

bool AppArmorEnabled() {
  std::istringstream enabled(
      ReadFileToString("/sys/module/apparmor/parameters/enabled", 4096).value_or(""));
  std::string value;
  return std::getline(enabled, value) && value.starts_with('Y');
}

}  // namespace

nlohmann::json VersionJson() {
  return {
      {"version", kVersion},
      {"gitCommit", kGitCommit},
      {"compiler", fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__)},
      {"platform", "linux/amd64"},
      {"seccompEnabled", SeccompEnabled()},
      {"appArmorEnabled", AppArmorEnabled()},
  };
}

std::string VersionText() {
  const nlohmann::json info = VersionJson();
  constexpr std::pair<std::string_view, std::string_view> kRows[] = {
      {"Version", "version"},
      {"GitCommit", "gitCommit"},
      {"Compiler", "compiler"},
      {"Platform", "platform"},
      {"SeccompEnabled", "seccompEnabled"},
      {"AppArmorEnabled", "appArmorEnabled"},
  };
  std::string text;
  for (const auto& [label, key] : kRows) {
    const nlohmann::json& value = info.at(std::string(key));
    text += fmt::format("{:<17} {}\n", std::string(label) + ":",
                        value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text;
}

}  // namespace crio
