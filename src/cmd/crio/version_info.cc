#include "cmd/crio/version_info.h"

#include <algorithm>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

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

#if defined(__x86_64__)
constexpr char kPlatform[] = "linux/amd64";
#elif defined(__aarch64__)
constexpr char kPlatform[] = "linux/arm64";
#else
constexpr char kPlatform[] = "linux/unknown";
#endif

}  // namespace

nlohmann::ordered_json VersionJson() {
  return {
      {"version", kVersion},
      {"gitCommit", kGitCommit},
      {"gitCommitDate", kGitCommitDate},
      {"gitTreeState", kGitTreeState},
      {"buildDate", kGitCommitDate},  // a reproducible build's date is its commit's
      // CRI-O's Go toolchain field, here the language and standard library crio is built with.
      {"goVersion", fmt::format("{} (libstdc++ {})", __cplusplus > 202002L ? "c++23" : "c++20",
                                _GLIBCXX_RELEASE)},
      {"compiler", fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__)},
      {"platform", kPlatform},
      {"linkmode", "dynamic"},
      {"buildTags", {"apparmor", "seccomp"}},
      {"seccompEnabled", SeccompEnabled()},
      {"appArmorEnabled", AppArmorEnabled()},
  };
}

std::string VersionText() {
  const nlohmann::ordered_json info = VersionJson();
  constexpr std::pair<std::string_view, std::string_view> kRows[] = {
      {"Version", "version"},
      {"GitCommit", "gitCommit"},
      {"GitCommitDate", "gitCommitDate"},
      {"GitTreeState", "gitTreeState"},
      {"BuildDate", "buildDate"},
      {"GoVersion", "goVersion"},
      {"Compiler", "compiler"},
      {"Platform", "platform"},
      {"Linkmode", "linkmode"},
      {"BuildTags", "buildTags"},
      {"SeccompEnabled", "seccompEnabled"},
      {"AppArmorEnabled", "appArmorEnabled"},
  };
  // CRI-O prints through Go's tabwriter: names padded to the longest of their block plus
  // two, where a list value ("\n  item" lines) ends a block.
  std::vector<std::pair<std::string, std::string>> block;
  std::string text;
  auto flush = [&] {
    size_t width = 0;
    for (const auto& [name, value] : block) width = std::max(width, name.size() + 1);
    for (const auto& [name, value] : block) {
      text += fmt::format("{:<{}}{}\n", name + ":", width + 2, value);
    }
    block.clear();
  };
  for (const auto& [label, key] : kRows) {
    const nlohmann::ordered_json& value = info.at(std::string(key));
    if (value.is_array()) {
      block.emplace_back(label, "");
      flush();
      text.pop_back();  // the list follows the name's padded line
      for (const nlohmann::ordered_json& item : value) text += "\n  " + item.get<std::string>();
      text += "\n";
      continue;
    }
    block.emplace_back(label, value.is_string() ? value.get<std::string>() : value.dump());
  }
  flush();
  return text;
}

}  // namespace crio
