#include "container/default_mounts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "absl/strings/str_split.h"
#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::container {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultMountsFiles[] = {"/etc/containers/mounts.conf",
                                               "/usr/share/containers/mounts.conf"};
// Symbolic links are followed, as the library follows them: bound the depth so that a link
// to a parent directory cannot copy forever.
constexpr int kMaxDepth = 16;
constexpr uint64_t kMaxFileBytes = uint64_t{64} << 20;

// Copies `host` (followed through links) to `copy`: a directory with everything under it, a
// regular file with its permission bits. Dangling links and special files are skipped.
absl::Status CopyFollowingLinks(const std::string& host, const std::string& copy, int depth) {
  if (depth > kMaxDepth) {
    return absl::FailedPreconditionError(
        fmt::format("{}: more than {} directory levels (a link loop?)", host, kMaxDepth));
  }
  struct stat info {};
  if (::stat(host.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::OkStatus();  // a dangling link
    return ErrnoToStatus(errno, "stat " + host);
  }
  const mode_t permissions = info.st_mode & 07777;
  if (S_ISDIR(info.st_mode)) {
    if (::mkdir(copy.c_str(), permissions) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, "create " + copy);
    }
    ::chmod(copy.c_str(), permissions);
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(host, error)) {
      const std::string name = entry.path().filename().string();
      RETURN_IF_ERROR(CopyFollowingLinks(host + "/" + name, copy + "/" + name, depth + 1));
    }
    if (error) return ErrnoToStatus(error.value(), "read " + host);
    return absl::OkStatus();
  }
  if (!S_ISREG(info.st_mode)) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::string content, ReadFileToString(host, kMaxFileBytes));
  return WriteFileAtomically(copy, content, permissions);
}

}  // namespace

std::vector<DefaultMount> ParseMountsConf(std::string_view text) {
  std::vector<DefaultMount> entries;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == absl::string_view::npos || line[start] != '/') continue;
    const std::string entry(line);
    const size_t colon = entry.find(':');
    if (colon == std::string::npos) {
      entries.push_back({entry, entry});
    } else {
      entries.push_back({entry.substr(0, colon), entry.substr(colon + 1)});
    }
  }
  return entries;
}

std::string MountsConfPath(const std::string& configured) {
  if (!configured.empty()) return configured;
  for (const char* path : kDefaultMountsFiles) {
    if (::access(path, F_OK) == 0) return path;
  }
  return "";
}

absl::StatusOr<std::vector<spec::Mount>> DefaultMounts(const std::vector<DefaultMount>& entries,
                                                       const std::string& run_dir) {
  std::vector<spec::Mount> mounts;
  for (const DefaultMount& entry : entries) {
    struct stat info {};
    if (::stat(entry.host.c_str(), &info) != 0) {
      log::Debug("Default mount {} does not exist on the host; skipped", entry.host);
      continue;
    }
    const std::string copy = fs::path(run_dir + "/" + entry.container).lexically_normal();
    if (!copy.starts_with(run_dir + "/")) {
      return absl::InvalidArgumentError(
          fmt::format("default mount {}: {} leaves the container's dir", entry.host,
                      entry.container));
    }
    if (::access(copy.c_str(), F_OK) != 0) {  // copied at an earlier start otherwise
      std::error_code error;
      fs::create_directories(fs::path(copy).parent_path(), error);
      if (error) return ErrnoToStatus(error.value(), "create the parents of " + copy);
      RETURN_IF_ERROR(CopyFollowingLinks(entry.host, copy, 0));
    }
    mounts.push_back({.destination = entry.container,
                      .type = "bind",
                      .source = copy,
                      .options = {"rbind", "rprivate"}});
  }
  return mounts;
}

}  // namespace crio::container
