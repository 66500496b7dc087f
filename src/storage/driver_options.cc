#include "storage/driver_options.h"

#include <sys/mount.h>

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::storage {
namespace {

// The mount(2) flags a mountopt word stands for, as mount(8) spells them.
const std::map<std::string, unsigned long>& MountFlagWords() {
  static const auto* words = new std::map<std::string, unsigned long>{
      {"nodev", MS_NODEV},         {"nosuid", MS_NOSUID},       {"noexec", MS_NOEXEC},
      {"ro", MS_RDONLY},           {"sync", MS_SYNCHRONOUS},    {"dirsync", MS_DIRSYNC},
      {"noatime", MS_NOATIME},     {"nodiratime", MS_NODIRATIME}, {"relatime", MS_RELATIME},
      {"strictatime", MS_STRICTATIME}, {"mand", MS_MANDLOCK},   {"lazytime", MS_LAZYTIME}};
  return *words;
}

// Words that clear a flag or only restate the default.
bool IsDefaultWord(const std::string& word) {
  return word == "rw" || word == "dev" || word == "suid" || word == "exec" || word == "async" ||
         word == "atime" || word == "diratime" || word == "nomand" || word == "defaults";
}

absl::StatusOr<bool> ParseBool(const std::string& key, const std::string& value) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "1" || lower == "t") return true;
  if (lower == "false" || lower == "0" || lower == "f") return false;
  return absl::InvalidArgumentError(
      fmt::format("storage option {}: \"{}\" is not a boolean", key, value));
}

void AddMountOptions(const std::string& mountopt, DriverOptions& options) {
  for (const absl::string_view piece : absl::StrSplit(mountopt, ',', absl::SkipEmpty())) {
    const std::string word(piece);
    if (auto flag = MountFlagWords().find(word); flag != MountFlagWords().end()) {
      options.mount_flags |= flag->second;
    } else if (!IsDefaultWord(word)) {
      options.mount_data += (options.mount_data.empty() ? "" : ",") + word;
    }
  }
}

// The driver's key without its prefix: "overlay.mountopt", "overlay2.mountopt" and
// ".mountopt" are all "mountopt".
std::string BareKey(const std::string& key) {
  const std::string lower = absl::AsciiStrToLower(key);
  for (const char* prefix : {"overlay.", "overlay2.", "."}) {
    if (lower.starts_with(prefix)) return lower.substr(std::string(prefix).size());
  }
  return lower;
}

}  // namespace

absl::StatusOr<DriverOptions> ParseDriverOptions(const std::vector<std::string>& options,
                                                 std::vector<std::string>& warnings) {
  DriverOptions parsed;
  for (const std::string& option : options) {
    const size_t equals = option.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(
          fmt::format("storage option \"{}\" is not KEY=VALUE", option));
    }
    const std::string key = option.substr(0, equals);
    const std::string value = option.substr(equals + 1);
    const std::string bare = BareKey(key);
    if (bare == "imagestore" || bare == "additionalimagestore") {
      for (const absl::string_view store : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        parsed.additional_image_stores.emplace_back(store);
      }
    } else if (bare == "mountopt") {
      AddMountOptions(value, parsed);
    } else if (bare == "ignore_chown_errors") {
      ASSIGN_OR_RETURN(parsed.ignore_chown_errors, ParseBool(key, value));
    } else if (bare == "skip_mount_home") {
      ASSIGN_OR_RETURN(parsed.skip_mount_home, ParseBool(key, value));
    } else if (bare == "override_kernel_check") {
      // Deprecated in the library too: it checks nothing.
    } else if (bare == "mount_program" || bare == "size" || bare == "inodes" ||
               bare == "force_mask" || bare == "use_composefs") {
      warnings.push_back(fmt::format(
          "storage option {}: crio mounts with the kernel's overlayfs and does not act on it",
          key));
    } else {
      return absl::InvalidArgumentError(fmt::format("overlay: unknown option {}", key));
    }
  }
  return parsed;
}

}  // namespace crio::storage
