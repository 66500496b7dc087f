#include "storage/overlay_dirs.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_split.h"
#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/unix_socket.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kShortNameLength = 26;
// Linux passes mount options in one page.
constexpr size_t kMaxMountOptions = 4095;

absl::Status MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, fmt::format("create {}", path));
  }
  return absl::OkStatus();
}

// OK when `path` (followed, if a symlink) is a directory.
absl::Status RequireDir(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return ErrnoToStatus(errno, fmt::format("stat {}", path));
  if (!S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(fmt::format("{} is not a directory", path));
  }
  return absl::OkStatus();
}

bool IsShortName(std::string_view name) {
  return name.size() == kShortNameLength &&
         name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == std::string_view::npos;
}

}  // namespace

std::string NewShortLinkName() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  unsigned char random[kShortNameLength];
  size_t filled = 0;
  while (filled < sizeof(random)) {
    const ssize_t n = ::getrandom(random + filled, sizeof(random) - filled, 0);
    if (n > 0) filled += static_cast<size_t>(n);
  }
  std::string name;
  for (unsigned char byte : random) name.push_back(kAlphabet[byte % 32]);
  return name;
}

std::string OverlayDirs::Found(const std::string& name) const {
  struct stat info {};
  std::string path = Home() + "/" + name;
  if (other_roots_.empty() || ::lstat(path.c_str(), &info) == 0) return path;
  for (const std::string& root : other_roots_) {
    std::string found = root + "/overlay/" + name;
    if (::lstat(found.c_str(), &info) == 0) return found;
  }
  return path;
}

std::string OverlayDirs::LowerPaths(const std::string& lower) const {
  std::string paths;
  for (absl::string_view entry : absl::StrSplit(lower, ':', absl::SkipEmpty())) {
    paths += (paths.empty() ? "" : ":") + Found(std::string(entry));
  }
  return paths;
}

absl::StatusOr<std::string> OverlayDirs::ReadLink(const std::string& id) const {
  ASSIGN_OR_RETURN(std::string name, ReadFileToString(Found(id) + "/link", 64));
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  if (!IsShortName(name)) {
    return absl::DataLossError(fmt::format("layer {} has a malformed link file", id));
  }
  return name;
}

absl::StatusOr<std::string> OverlayDirs::LowerFor(const std::string& parent) const {
  if (parent.empty()) return std::string();
  ASSIGN_OR_RETURN(const std::string link, ReadLink(parent));
  auto lower = ReadFileToString(Found(parent) + "/lower", 1 << 16);
  if (absl::IsNotFound(lower.status())) return "l/" + link;
  RETURN_IF_ERROR(lower.status());
  return lower->empty() ? "l/" + link : "l/" + link + ":" + *lower;
}

absl::Status OverlayDirs::Create(const std::string& id, const std::string& parent,
                                 const std::string& staged_diff) const {
  RETURN_IF_ERROR(MakeDir(Home(), 0700));
  RETURN_IF_ERROR(MakeDir(Home() + "/l", 0700));
  // A layer dir already there is another layer's (or what a crash left, which the layer
  // records' start-up repair removes): never undo into it.
  if (::mkdir(LayerDir(id).c_str(), 0700) != 0) {
    return ErrnoToStatus(errno, fmt::format("create {}", LayerDir(id)));
  }
  if (absl::Status created = CreateDirs(id, parent, staged_diff); !created.ok()) {
    if (absl::Status removed = Remove(id); !removed.ok()) {
      return absl::Status(created.code(), fmt::format("{} (and undoing it: {})", AsStd(created.message()),
                                                      AsStd(removed.message())));
    }
    return created;
  }
  return absl::OkStatus();
}

absl::Status OverlayDirs::CreateDirs(const std::string& id, const std::string& parent,
                                     const std::string& staged_diff) const {
  ASSIGN_OR_RETURN(const std::string lower, LowerFor(parent));
  const std::string dir = LayerDir(id);
  const std::string link = NewShortLinkName();
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/link", link, 0644));
  const std::string link_path = Home() + "/l/" + link;
  if (::symlink(("../" + id + "/diff").c_str(), link_path.c_str()) != 0) {
    return ErrnoToStatus(errno, fmt::format("link {}", link_path));
  }
  if (lower.empty()) {
    RETURN_IF_ERROR(MakeDir(dir + "/empty", 0700));
  } else {
    RETURN_IF_ERROR(WriteFileAtomically(dir + "/lower", lower, 0644));
  }
  RETURN_IF_ERROR(MakeDir(dir + "/work", 0700));
  RETURN_IF_ERROR(MakeDir(dir + "/merged", 0700));
  if (staged_diff.empty()) return MakeDir(DiffDir(id), 0755);
  if (::rename(staged_diff.c_str(), DiffDir(id).c_str()) != 0) {
    return ErrnoToStatus(errno, fmt::format("move {} to {}", staged_diff, DiffDir(id)));
  }
  return absl::OkStatus();
}

absl::Status OverlayDirs::CheckMountable(const std::string& id) const {
  RETURN_IF_ERROR(RequireDir(DiffDir(id)));
  ASSIGN_OR_RETURN(const std::string link, ReadLink(id));
  RETURN_IF_ERROR(RequireDir(Home() + "/l/" + link));
  auto lower = ReadFileToString(LayerDir(id) + "/lower", 1 << 16);
  if (absl::IsNotFound(lower.status())) return RequireDir(LayerDir(id) + "/empty");
  RETURN_IF_ERROR(lower.status());
  for (absl::string_view entry : absl::StrSplit(*lower, ':', absl::SkipEmpty())) {
    RETURN_IF_ERROR(RequireDir(Found(std::string(entry))));
  }
  return absl::OkStatus();
}

absl::Status OverlayDirs::Remove(const std::string& id) const {
  if (auto link = ReadLink(id); link.ok()) {
    const std::string link_path = Home() + "/l/" + *link;
    // Only the layer's own link: a copied or damaged layer dir may name another layer's.
    char target[PATH_MAX];
    const ssize_t length = ::readlink(link_path.c_str(), target, sizeof(target));
    const bool own =
        length > 0 && std::string_view(target, static_cast<size_t>(length)) == "../" + id + "/diff";
    if (own && ::unlink(link_path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, fmt::format("remove {}", link_path));
    }
  }
  std::error_code error;
  fs::remove_all(LayerDir(id), error);
  if (error) return ErrnoToStatus(error.value(), fmt::format("remove {}", LayerDir(id)));
  return absl::OkStatus();
}

absl::StatusOr<std::string> OverlayDirs::LowerDirsOver(const std::string& top) const {
  ASSIGN_OR_RETURN(const std::string lower, LowerFor(top));
  return LowerPaths(lower);
}

absl::StatusOr<std::string> OverlayDirs::MountOptions(const std::string& id) const {
  auto lower = ReadFileToString(LayerDir(id) + "/lower", 1 << 16);
  std::string lowerdir;
  if (lower.ok()) {
    lowerdir = LowerPaths(*lower);
  } else if (absl::IsNotFound(lower.status())) {
    lowerdir = LayerDir(id) + "/empty";
  } else {
    return lower.status();
  }
  std::string options = fmt::format("lowerdir={},upperdir={},workdir={}/work", lowerdir,
                                    DiffDir(id), LayerDir(id));
  if (options.size() > kMaxMountOptions) {
    return absl::ResourceExhaustedError(
        fmt::format("layer {} has too many layers below it to mount", id));
  }
  return options;
}

}  // namespace crio::storage
