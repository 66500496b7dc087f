#include "sandbox/sysctls.h"

#include <algorithm>

#include "fmt/format.h"

namespace crio::sandbox {
namespace {

constexpr size_t kMaxKeyLength = 256;
constexpr size_t kMaxValueLength = 4096;

enum class Namespace { kNone, kIpc, kNet };

Namespace OwningNamespace(const std::string& key) {
  if (key == "kernel.sem" || key.starts_with("kernel.shm") || key.starts_with("kernel.msg") ||
      key.starts_with("fs.mqueue.")) {
    return Namespace::kIpc;
  }
  if (key.starts_with("net.")) return Namespace::kNet;
  return Namespace::kNone;
}

bool ValidKeyCharacters(const std::string& key) {
  return !key.empty() && key.size() <= kMaxKeyLength &&
         std::all_of(key.begin(), key.end(),
                     [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
                     }) &&
         key.find("..") == std::string::npos && key.front() != '.' && key.back() != '.';
}

bool ValidValue(const std::string& value) {
  return !value.empty() && value.size() <= kMaxValueLength &&
         std::none_of(value.begin(), value.end(), [](char c) {
           return c == '+' || c == '=' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         });
}

// Kubernetes' slashed form: '/' separates components and '.' may be part of one.
std::string Dotted(const std::string& key) {
  if (key.find('/') == std::string::npos) return key;
  std::string dotted = key;
  std::replace(dotted.begin(), dotted.end(), '/', '.');
  return dotted;
}

absl::Status CheckOne(const std::string& key, const std::string& value, const SysctlScope& scope) {
  if (!ValidKeyCharacters(key)) {
    return absl::InvalidArgumentError(fmt::format("sysctl \"{}\": invalid name", key));
  }
  if (!ValidValue(value)) {
    return absl::InvalidArgumentError(fmt::format(
        "sysctl \"{}\": value \"{}\" is empty, too long or contains '+', '=' or control "
        "characters",
        key, value));
  }
  switch (OwningNamespace(key)) {
    case Namespace::kNone:
      return absl::InvalidArgumentError(
          fmt::format("sysctl \"{}\" is not namespaced, a pod may not set it", key));
    // FAILED_PRECONDITION: the sysctl is fine, but would change the host's namespace.
    case Namespace::kIpc:
      if (scope.host_ipc) {
        return absl::FailedPreconditionError(
            fmt::format("sysctl \"{}\" is not allowed with host IPC", key));
      }
      break;
    case Namespace::kNet:
      if (scope.host_network) {
        return absl::FailedPreconditionError(
            fmt::format("sysctl \"{}\" is not allowed with host network", key));
      }
      break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ValidateSysctls(
    const std::map<std::string, std::string>& sysctls, const SysctlScope& scope,
    std::vector<std::string>* skipped) {
  std::vector<std::pair<std::string, std::string>> valid;
  for (const auto& [given_key, value] : sysctls) {
    const std::string key = Dotted(given_key);
    if (auto checked = CheckOne(key, value, scope); !checked.ok()) {
      if (!absl::IsFailedPrecondition(checked)) return checked;
      if (skipped != nullptr) skipped->push_back(std::string(checked.message()));
      continue;
    }
    valid.emplace_back(key, value);
  }
  return valid;
}

std::vector<std::pair<std::string, std::string>> DefaultSysctls(
    const std::vector<std::string>& defaults, const SysctlScope& scope,
    std::vector<std::string>* skipped) {
  std::vector<std::pair<std::string, std::string>> applicable;
  for (const std::string& entry : defaults) {
    if (entry.empty()) continue;  // as CRI-O: kept for compatibility, means nothing
    const size_t equals = entry.find('=');
    const std::string key = Dotted(entry.substr(0, equals));
    const std::string value = equals == std::string::npos ? "" : entry.substr(equals + 1);
    if (auto checked = CheckOne(key, value, scope); !checked.ok()) {
      if (skipped != nullptr) skipped->push_back(std::string(checked.message()));
      continue;
    }
    applicable.emplace_back(key, value);
  }
  return applicable;
}

}  // namespace crio::sandbox
