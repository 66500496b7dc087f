#include "oci/runtime_version.h"

#include <array>
#include <charconv>
#include <regex>

#include "fmt/format.h"

namespace crio::oci {
namespace {

using Version = std::array<int, 3>;

constexpr Version kFixedRunc = {1, 1, 12};

std::optional<Version> ParseVersion(const std::string& text) {
  static const std::regex kPattern(R"(runc version (\d+)\.(\d+)\.(\d+))");
  std::smatch match;
  if (!std::regex_search(text, match, kPattern)) return std::nullopt;
  Version version{};
  for (size_t i = 0; i < version.size(); ++i) {
    const std::string part = match[i + 1].str();
    std::from_chars(part.data(), part.data() + part.size(), version[i]);
  }
  return version;
}

// Debian 12 (bookworm-security) fixed CVE-2024-21626 in 1.1.5+ds1-1+deb12u1; its
// `runc --version` names the package version on the "commit:" line.
bool IsKnownBackport(const std::string& text) {
  static const std::regex kDebian(R"(commit: 1\.1\.5\+ds1-1\+deb12u([1-9]\d*))");
  return std::regex_search(text, kDebian);
}

}  // namespace

std::optional<std::string> VulnerableRuntimeWarning(const std::string& path,
                                                    const std::string& version_output) {
  const std::optional<Version> version = ParseVersion(version_output);
  if (!version || *version >= kFixedRunc || IsKnownBackport(version_output)) return std::nullopt;
  return fmt::format(
      "{} is runc {}.{}.{}, older than 1.1.12: unless your distribution backported the fix it is "
      "open to CVE-2024-21626 (Leaky Vessels, a host fd leaked into containers); crio refuses "
      "working directories under /proc, but upgrade runc",
      path, (*version)[0], (*version)[1], (*version)[2]);
}

}  // namespace crio::oci
