#include "spec/seccomp.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>
#include <optional>

#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::spec {
namespace {

using nlohmann::json;

// The errno names profiles use, as in <errno.h>.
const std::map<std::string, int, std::less<>>& ErrnoNames() {
  static const std::map<std::string, int, std::less<>> names = {
      {"EPERM", EPERM},
      {"ENOENT", ENOENT},
      {"ESRCH", ESRCH},
      {"EINTR", EINTR},
      {"EIO", EIO},
      {"ENXIO", ENXIO},
      {"E2BIG", E2BIG},
      {"ENOEXEC", ENOEXEC},
      {"EBADF", EBADF},
      {"ECHILD", ECHILD},
      {"EAGAIN", EAGAIN},
      {"ENOMEM", ENOMEM},
      {"EACCES", EACCES},
      {"EFAULT", EFAULT},
      {"EBUSY", EBUSY},
      {"EEXIST", EEXIST},
      {"EXDEV", EXDEV},
      {"ENODEV", ENODEV},
      {"ENOTDIR", ENOTDIR},
      {"EISDIR", EISDIR},
      {"EINVAL", EINVAL},
      {"ENFILE", ENFILE},
      {"EMFILE", EMFILE},
      {"ENOTTY", ENOTTY},
      {"ETXTBSY", ETXTBSY},
      {"EFBIG", EFBIG},
      {"ENOSPC", ENOSPC},
      {"ESPIPE", ESPIPE},
      {"EROFS", EROFS},
      {"EMLINK", EMLINK},
      {"EPIPE", EPIPE},
      {"EDOM", EDOM},
      {"ERANGE", ERANGE},
      {"EDEADLK", EDEADLK},
      {"ENOSYS", ENOSYS},
      {"ELOOP", ELOOP},
      {"ENOTSUP", ENOTSUP},
      {"EOPNOTSUPP", EOPNOTSUPP},
      {"EPROTONOSUPPORT", EPROTONOSUPPORT},
      {"EAFNOSUPPORT", EAFNOSUPPORT},
      {"ENOTSOCK", ENOTSOCK},
      {"ECONNREFUSED", ECONNREFUSED},
  };
  return names;
}

// The errnoRet of `object`: its `name_key` ("EPERM" or "1") when set, else `number_key`;
// nullopt when neither is.
absl::StatusOr<std::optional<json>> Errno(const json& object, const char* name_key,
                                          const char* number_key) {
  const json name = object.value(name_key, json());
  if (name.is_string() && !name.get<std::string>().empty()) {
    const std::string text = name.get<std::string>();
    unsigned number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size()) return json(number);
    const auto known = ErrnoNames().find(text);
    if (known == ErrnoNames().end()) {
      return absl::InvalidArgumentError(fmt::format("unknown errno \"{}\"", text));
    }
    return json(known->second);
  }
  const json number = object.value(number_key, json());
  if (number.is_null()) return std::nullopt;
  if (!number.is_number_integer() || number.get<int64_t>() < 0) {
    return absl::InvalidArgumentError(fmt::format("{} is not an errno number", number_key));
  }
  return number;
}

std::string_view SeccompArchOf(std::string_view arch) {
  static const std::map<std::string_view, std::string_view> kArches = {
      {"amd64", "SCMP_ARCH_X86_64"},    {"386", "SCMP_ARCH_X86"},
      {"arm64", "SCMP_ARCH_AARCH64"},   {"arm", "SCMP_ARCH_ARM"},
      {"ppc64le", "SCMP_ARCH_PPC64LE"}, {"s390x", "SCMP_ARCH_S390X"},
      {"riscv64", "SCMP_ARCH_RISCV64"}};
  const auto found = kArches.find(arch);
  return found == kArches.end() ? std::string_view() : found->second;
}

// OCI "architectures": the native archMap entry with its sub-architectures, or the
// profile's own list; none (libseccomp's native) otherwise.
absl::StatusOr<json> Architectures(const json& profile, std::string_view arch) {
  const json listed = profile.value("architectures", json::array());
  const json map = profile.value("archMap", json::array());
  if (!listed.is_array() || !map.is_array()) {
    return absl::InvalidArgumentError("architectures and archMap must be lists");
  }
  if (!listed.empty() && !map.empty()) {
    return absl::InvalidArgumentError("both architectures and archMap are set; use one");
  }
  if (!listed.empty()) return listed;
  json out = json::array();
  for (const json& entry : map) {
    if (!entry.is_object() || entry.value("architecture", "") != SeccompArchOf(arch)) continue;
    out.push_back(entry["architecture"]);
    for (const json& sub : entry.value("subArchitectures", json::array())) out.push_back(sub);
    break;
  }
  return out;
}

// The strings under `filter`["key"] ({"caps": [...], "arches": [...]}).
std::vector<std::string> FilterList(const json& rule, const char* filter, const char* key) {
  std::vector<std::string> out;
  const json& object = rule.contains(filter) ? rule[filter] : json();
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return out;
  for (const json& item : object[key]) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Whether `rule` holds for a container with `capabilities` on `arch` (containers/common's
// reading: every included capability, none excluded).
bool Applies(const json& rule, const std::vector<std::string>& capabilities,
             std::string_view arch) {
  const auto has = [&](const std::string& cap) { return Contains(capabilities, cap); };
  const std::vector<std::string> include_caps = FilterList(rule, "includes", "caps");
  const std::vector<std::string> include_arches = FilterList(rule, "includes", "arches");
  const std::vector<std::string> exclude_caps = FilterList(rule, "excludes", "caps");
  if (Contains(FilterList(rule, "excludes", "arches"), arch)) return false;
  if (std::any_of(exclude_caps.begin(), exclude_caps.end(), has)) return false;
  if (!include_arches.empty() && !Contains(include_arches, arch)) return false;
  return std::all_of(include_caps.begin(), include_caps.end(), has);
}

absl::StatusOr<json> OciRule(const json& rule) {
  if (!rule.contains("action") || !rule["action"].is_string()) {
    return absl::InvalidArgumentError("a syscall rule has no action");
  }
  json names = rule.value("names", json::array());
  if (rule.contains("name")) {  // the older single-name form
    if (!names.empty()) return absl::InvalidArgumentError("a rule has both name and names");
    names = json::array({rule["name"]});
  }
  if (!names.is_array() || names.empty()) {
    return absl::InvalidArgumentError("a syscall rule names no syscall");
  }
  json out = {{"names", names}, {"action", rule["action"]}};
  const json args = rule.value("args", json());
  if (args.is_array() && !args.empty()) out["args"] = args;
  ASSIGN_OR_RETURN(const std::optional<json> errno_ret, Errno(rule, "errno", "errnoRet"));
  if (errno_ret) out["errnoRet"] = *errno_ret;
  return out;
}

}  // namespace

std::string_view NativeSeccompArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "";
#endif
}

absl::StatusOr<json> ResolveSeccompProfile(const json& profile,
                                           const std::vector<std::string>& capabilities,
                                           std::string_view arch) {
  if (!profile.is_object()) return absl::InvalidArgumentError("seccomp profile is not an object");
  if (!profile.contains("defaultAction") || !profile["defaultAction"].is_string()) {
    return absl::InvalidArgumentError("seccomp profile has no defaultAction");
  }
  json out = {{"defaultAction", profile["defaultAction"]}};
  ASSIGN_OR_RETURN(const std::optional<json> default_errno,
                   Errno(profile, "defaultErrno", "defaultErrnoRet"));
  if (default_errno) out["defaultErrnoRet"] = *default_errno;
  ASSIGN_OR_RETURN(const json architectures, Architectures(profile, arch));
  if (!architectures.empty()) out["architectures"] = architectures;
  if (profile.contains("flags") && profile["flags"].is_array()) out["flags"] = profile["flags"];
  const json rules = profile.value("syscalls", json::array());
  if (!rules.is_array()) return absl::InvalidArgumentError("syscalls is not a list");
  json syscalls = json::array();
  for (const json& rule : rules) {
    if (!rule.is_object()) return absl::InvalidArgumentError("a syscall rule is not an object");
    if (!Applies(rule, capabilities, arch)) continue;
    ASSIGN_OR_RETURN(json converted, OciRule(rule));
    syscalls.push_back(std::move(converted));
  }
  out["syscalls"] = syscalls;
  return out;
}

json DefaultSeccompProfile(const std::vector<std::string>& capabilities) {
  // The built-in rules are well-formed (seccomp_test resolves them), so this cannot fail.
  return ResolveSeccompProfile(BuiltInSeccompProfile(), capabilities).value();
}

absl::StatusOr<json> ParseSeccompProfile(const std::string& text,
                                         const std::vector<std::string>& capabilities) {
  const json profile = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!profile.is_object()) return absl::InvalidArgumentError("seccomp profile is not JSON");
  return ResolveSeccompProfile(profile, capabilities);
}

}  // namespace crio::spec
