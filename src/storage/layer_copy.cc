#include "storage/layer_copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <climits>
#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/unique_fd.h"

namespace crio::storage {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr size_t kCopyChunk = size_t{1} << 20;

std::string ProcPath(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

bool IsWhiteout(const struct stat& info) {
  return S_ISCHR(info.st_mode) && info.st_rdev == makedev(0, 0);
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// The names in directory `dir`, read in full before any is copied: a deep tree then holds
// two descriptors a level, not three.
absl::StatusOr<std::vector<std::string>> Names(int dir, const std::string& rel) {
  const int copy = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return ErrnoToStatus(errno, fmt::format("read directory {}", rel));
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::fdopendir(copy), &::closedir);
  if (stream == nullptr) {
    const int error = errno;
    ::close(copy);
    return ErrnoToStatus(error, fmt::format("read directory {}", rel));
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(stream.get());
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  if (errno != 0) return ErrnoToStatus(errno, fmt::format("read directory {}", rel));
  return names;
}

// What listxattr or getxattr (`call`) answers, however large: asked for its size first, and
// again if it grew in between.
template <typename Call>
absl::StatusOr<std::string> ReadXattrAnswer(const Call& call, const std::string& what) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const ssize_t size = call(nullptr, 0);
    if (size < 0) return ErrnoToStatus(errno, what);
    std::string buffer(static_cast<size_t>(size), '\0');
    const ssize_t got = call(buffer.data(), buffer.size());
    if (got >= 0) {
      buffer.resize(static_cast<size_t>(got));
      return buffer;
    }
    if (errno != ERANGE) return ErrnoToStatus(errno, what);
  }
  return absl::UnavailableError(fmt::format("{}: it keeps changing", what));
}

// Copies the xattrs of the file `from` refers to onto the file `to` refers to. Descriptors
// of any kind, O_PATH ones too: the calls go through /proc/self/fd, whose links name the
// file itself (a symlink too), so nothing is followed.
absl::Status CopyXattrs(int from, int to, const std::string& rel) {
  const std::string source = ProcPath(from);
  const std::string target = ProcPath(to);
  const ssize_t probe = ::listxattr(source.c_str(), nullptr, 0);
  if (probe == 0 || (probe < 0 && errno == ENOTSUP)) return absl::OkStatus();  // none
  const auto list = [&](char* buffer, size_t size) {
    return ::listxattr(source.c_str(), buffer, size);
  };
  ASSIGN_OR_RETURN(const std::string keys,
                   ReadXattrAnswer(list, fmt::format("list the xattrs of {}", rel)));
  for (size_t start = 0; start < keys.size();) {
    const std::string key(keys.c_str() + start);
    start += key.size() + 1;
    // The label is the new place's, as for a freshly unpacked layer.
    if (key.empty() || key == "security.selinux") continue;
    const auto get = [&](char* buffer, size_t size) {
      return ::getxattr(source.c_str(), key.c_str(), buffer, size);
    };
    ASSIGN_OR_RETURN(const std::string value,
                     ReadXattrAnswer(get, fmt::format("read xattr {} of {}", key, rel)));
    // An overlay attribute (opaque) changes what the layer shows: it must be there.
    if (::setxattr(target.c_str(), key.c_str(), value.data(), value.size(), 0) != 0 &&
        (errno != ENOTSUP || key.starts_with("trusted.overlay."))) {
      return ErrnoToStatus(errno, fmt::format("set xattr {} on {}", key, rel));
    }
  }
  return absl::OkStatus();
}

absl::Status CopyData(int from, int to, const std::string& rel) {
  bool ranged = true;  // copy_file_range, until the file systems refuse it
  std::vector<char> buffer;
  for (;;) {
    ssize_t n;
    if (ranged) {
      n = ::copy_file_range(from, nullptr, to, nullptr, kCopyChunk, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        ranged = false;  // the offsets moved only by what was copied: go on from there
        continue;
      }
    } else {
      buffer.resize(kCopyChunk);
      n = ::read(from, buffer.data(), buffer.size());
      for (ssize_t written = 0; n > 0 && written < n;) {
        const ssize_t w = ::write(to, buffer.data() + written, static_cast<size_t>(n - written));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return ErrnoToStatus(errno, fmt::format("write {}", rel));
        written += w;
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, fmt::format("copy {}", rel));
    if (n == 0) return absl::OkStatus();
  }
}

class TreeCopy {
 public:
  explicit TreeCopy(int to_root) : to_root_(to_root) {}

  // Copies what is in directory `from` into directory `to` (both open), `rel` inside the layer.
  absl::Status CopyChildren(int from, int to, const std::string& rel) {
    ASSIGN_OR_RETURN(const std::vector<std::string> names, Names(from, rel));
    for (const std::string& name : names) {
      RETURN_IF_ERROR(CopyEntry(from, to, name, Join(rel, name)));
    }
    return absl::OkStatus();
  }

  // Owner, mode, xattrs and times of `from` onto `to` (both open, not O_PATH), times last:
  // creating entries inside a directory changes its times.
  static absl::Status CopyMetadata(int from, int to, const struct stat& info,
                                   const std::string& rel) {
    // Owner before mode: a chown clears the setuid and setgid bits.
    if (::fchown(to, info.st_uid, info.st_gid) != 0) {
      return ErrnoToStatus(errno, fmt::format("chown {}", rel));
    }
    if (::fchmod(to, info.st_mode & 07777) != 0) {
      return ErrnoToStatus(errno, fmt::format("chmod {}", rel));
    }
    RETURN_IF_ERROR(CopyXattrs(from, to, rel));
    const timespec times[2] = {info.st_atim, info.st_mtim};
    if (::futimens(to, times) != 0) {
      return ErrnoToStatus(errno, fmt::format("set times of {}", rel));
    }
    return absl::OkStatus();
  }

  CopiedLayer& copied() { return copied_; }

 private:
  absl::Status CopyEntry(int from_dir, int to_dir, const std::string& name,
                         const std::string& rel) {
    struct stat info {};
    if (::fstatat(from_dir, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoToStatus(errno, fmt::format("stat {}", rel));
    }
    ++copied_.entries;
    if (!IsWhiteout(info)) {
      copied_.uids.insert(info.st_uid);
      copied_.gids.insert(info.st_gid);
    }
    if (S_ISDIR(info.st_mode)) return CopyDirectory(from_dir, to_dir, name, rel, info);
    if (LinkToSource(from_dir, to_dir, name)) {
      ++copied_.linked;
      return absl::OkStatus();
    }
    // A hard link inside the layer: the other name of a file already copied.
    const std::pair<dev_t, ino_t> inode{info.st_dev, info.st_ino};
    if (info.st_nlink > 1) {
      if (auto first = copied_inodes_.find(inode); first != copied_inodes_.end()) {
        if (::linkat(to_root_, first->second.c_str(), to_dir, name.c_str(), 0) != 0) {
          return ErrnoToStatus(errno, fmt::format("link {} to {}", rel, first->second));
        }
        return absl::OkStatus();
      }
    }
    RETURN_IF_ERROR(S_ISREG(info.st_mode) ? CopyRegular(from_dir, to_dir, name, rel, info)
                                          : CopySpecial(from_dir, to_dir, name, rel, info));
    if (info.st_nlink > 1) copied_inodes_.emplace(inode, rel);
    return absl::OkStatus();
  }

  // Links the source's file into place (its inode shared: nothing to copy). False when it
  // cannot be: from the first EXDEV on (another file system or mount), it is not tried again.
  bool LinkToSource(int from_dir, int to_dir, const std::string& name) {
    if (!link_works_) return false;
    if (::linkat(from_dir, name.c_str(), to_dir, name.c_str(), 0) == 0) return true;
    if (errno == EXDEV) link_works_ = false;
    return false;
  }

  absl::Status CopyDirectory(int from_dir, int to_dir, const std::string& name,
                             const std::string& rel, const struct stat& info) {
    if (::mkdirat(to_dir, name.c_str(), 0700) != 0) {
      return ErrnoToStatus(errno, fmt::format("create directory {}", rel));
    }
    sys::UniqueFd from(::openat(from_dir, name.c_str(), kDirFlags));
    if (!from) return ErrnoToStatus(errno, fmt::format("open {}", rel));
    sys::UniqueFd to(::openat(to_dir, name.c_str(), kDirFlags));
    if (!to) return ErrnoToStatus(errno, fmt::format("open the copy of {}", rel));
    RETURN_IF_ERROR(CopyChildren(from.get(), to.get(), rel));
    return CopyMetadata(from.get(), to.get(), info, rel);
  }

  static absl::Status CopyRegular(int from_dir, int to_dir, const std::string& name,
                                  const std::string& rel, const struct stat& info) {
    sys::UniqueFd from(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!from) return ErrnoToStatus(errno, fmt::format("open {}", rel));
    sys::UniqueFd to(
        ::openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!to) return ErrnoToStatus(errno, fmt::format("create {}", rel));
    RETURN_IF_ERROR(CopyData(from.get(), to.get(), rel));
    return CopyMetadata(from.get(), to.get(), info, rel);
  }

  // A symlink (its target as it is), a device (whiteouts among them), a FIFO or a socket:
  // made, never opened; its metadata set by name, its xattrs through O_PATH descriptors.
  static absl::Status CopySpecial(int from_dir, int to_dir, const std::string& name,
                                  const std::string& rel, const struct stat& info) {
    const bool is_symlink = S_ISLNK(info.st_mode);
    if (is_symlink) {
      std::string target(PATH_MAX + 1, '\0');
      const ssize_t size = ::readlinkat(from_dir, name.c_str(), target.data(), target.size());
      if (size < 0) return ErrnoToStatus(errno, fmt::format("read symlink {}", rel));
      if (static_cast<size_t>(size) == target.size()) {
        return absl::OutOfRangeError(fmt::format("symlink {}: target too long", rel));
      }
      target.resize(static_cast<size_t>(size));
      if (::symlinkat(target.c_str(), to_dir, name.c_str()) != 0) {
        return ErrnoToStatus(errno, fmt::format("create symlink {}", rel));
      }
    } else if (::mknodat(to_dir, name.c_str(), (info.st_mode & S_IFMT) | 0600, info.st_rdev) != 0) {
      return ErrnoToStatus(errno, fmt::format("create {}", rel));
    }
    if (::fchownat(to_dir, name.c_str(), info.st_uid, info.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoToStatus(errno, fmt::format("chown {}", rel));
    }
    // Not a symlink, so nothing to follow (a symlink's own mode means nothing).
    if (!is_symlink && ::fchmodat(to_dir, name.c_str(), info.st_mode & 07777, 0) != 0) {
      return ErrnoToStatus(errno, fmt::format("chmod {}", rel));
    }
    sys::UniqueFd from(::openat(from_dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    sys::UniqueFd to(::openat(to_dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!from || !to) return ErrnoToStatus(errno, fmt::format("open {}", rel));
    RETURN_IF_ERROR(CopyXattrs(from.get(), to.get(), rel));
    const timespec times[2] = {info.st_atim, info.st_mtim};
    if (::utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoToStatus(errno, fmt::format("set times of {}", rel));
    }
    return absl::OkStatus();
  }

  const int to_root_;
  bool link_works_ = true;
  // Files copied (not linked) that have other names, by inode: where the copy is, inside `to`.
  std::map<std::pair<dev_t, ino_t>, std::string> copied_inodes_;
  CopiedLayer copied_;
};

}  // namespace

absl::StatusOr<CopiedLayer> CopyLayerFiles(const std::string& from, const std::string& to) {
  sys::UniqueFd from_fd(::open(from.c_str(), kDirFlags));
  if (!from_fd) return ErrnoToStatus(errno, fmt::format("open {}", from));
  sys::UniqueFd to_fd(::open(to.c_str(), kDirFlags));
  if (!to_fd) return ErrnoToStatus(errno, fmt::format("open {}", to));
  struct stat info {};
  if (::fstat(from_fd.get(), &info) != 0) return ErrnoToStatus(errno, fmt::format("stat {}", from));
  TreeCopy copy(to_fd.get());
  RETURN_IF_ERROR(copy.CopyChildren(from_fd.get(), to_fd.get(), ""));
  RETURN_IF_ERROR(TreeCopy::CopyMetadata(from_fd.get(), to_fd.get(), info, from));
  return std::move(copy.copied());
}

}  // namespace crio::storage
