#include "cmd/crio/run_marks.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/read_file.h"
#include "nlohmann/json.hpp"
#include "sys/unique_fd.h"
#include "sys/unix_socket.h"

namespace crio {
namespace {

// "1.37.0+abc" → "1.37"
std::string MajorMinor(const std::string& version) {
  const size_t first = version.find('.');
  if (first == std::string::npos) return version;
  const size_t second = version.find_first_of(".+-", first + 1);
  return version.substr(0, second);
}

}  // namespace

bool VersionChanged(const std::string& path, const std::string& version) {
  if (path.empty()) return false;
  auto text = ReadFileToString(path, 4096);
  if (!text.ok()) return true;
  const nlohmann::json recorded = nlohmann::json::parse(*text, nullptr, false);
  if (!recorded.is_string()) return true;
  return MajorMinor(recorded.get<std::string>()) != MajorMinor(version);
}

absl::Status WriteVersionFile(const std::string& path, const std::string& version) {
  if (path.empty()) return absl::OkStatus();
  if (auto made = sys::MakeDirs(std::filesystem::path(path).parent_path(), 0755); !made.ok()) {
    return made;
  }
  return WriteFileAtomically(path, nlohmann::json(version).dump(), 0644);
}

bool UncleanShutdown(const std::string& marker) {
  if (marker.empty()) return false;
  std::error_code ignored;
  return std::filesystem::exists(marker + ".supported", ignored) &&
         !std::filesystem::exists(marker, ignored);
}

absl::Status MarkRunning(const std::string& marker) {
  if (marker.empty()) return absl::OkStatus();
  if (auto made = sys::MakeDirs(std::filesystem::path(marker).parent_path(), 0755); !made.ok()) {
    return made;
  }
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, "remove " + marker);
  }
  return WriteFileAtomically(marker + ".supported", "", 0644);
}

absl::Status MarkCleanShutdown(const std::string& marker, const std::string& root) {
  if (marker.empty()) return absl::OkStatus();
  // Everything crio wrote under its root reaches the disk before the marker says so.
  if (sys::UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir) {
    ::syncfs(dir.get());
  }
  return WriteFileAtomically(marker, "", 0644);
}

}  // namespace crio
