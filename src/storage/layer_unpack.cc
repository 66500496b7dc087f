#include "storage/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "common/errno_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/resolve.h"
#include "sys/unique_fd.h"

namespace crio::storage {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr char kOpaqueXattr[] = "trusted.overlay.opaque";

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

struct CloseDir {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

absl::Status Hostile(std::string_view name, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("layer entry \"{}\": {}", name, why));
}

absl::Status ArchiveError(archive* reader, std::string_view what) {
  const char* message = archive_error_string(reader);
  return absl::InvalidArgumentError(
      fmt::format("{}: {}", what, message != nullptr ? message : "malformed layer"));
}

// The entry name relative to the layer root: "./a/b" and "/a/b" are "a/b". Names with ".."
// components are refused; there is no honest reason for a layer to have them.
absl::StatusOr<std::string> CleanName(std::string_view raw, const UnpackLimits& limits) {
  if (raw.size() > limits.max_name_bytes) return Hostile(raw.substr(0, 64), "name too long");
  std::string clean;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t slash = raw.find('/', start);
    if (slash == std::string_view::npos) slash = raw.size();
    const std::string_view part = raw.substr(start, slash - start);
    if (part == "..") return Hostile(raw, "\"..\" in the name");
    if (!part.empty() && part != ".") clean += (clean.empty() ? "" : "/") + std::string(part);
    start = slash + 1;
  }
  return clean;
}

std::pair<std::string, std::string> SplitParent(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// Removes whatever is at `name` in `dir` (recursively for directories).
absl::Status RemoveAll(int dir, const std::string& name) {
  if (::unlinkat(dir, name.c_str(), 0) == 0 || errno == ENOENT) return absl::OkStatus();
  if (errno != EISDIR && errno != EPERM)
    return ErrnoToStatus(errno, fmt::format("remove {}", name));
  auto child = sys::OpenInRoot(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!child.ok()) return child.status();
  std::unique_ptr<DIR, CloseDir> listing(::fdopendir(::fcntl(child->get(), F_DUPFD_CLOEXEC, 0)));
  if (!listing) return ErrnoToStatus(errno, fmt::format("list {}", name));
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(listing.get())) {
    const std::string_view entry_name = entry->d_name;
    if (entry_name != "." && entry_name != "..") names.emplace_back(entry_name);
  }
  for (const std::string& inner : names) {
    if (auto removed = RemoveAll(child->get(), inner); !removed.ok()) return removed;
  }
  if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) {
    return ErrnoToStatus(errno, fmt::format("remove {}", name));
  }
  return absl::OkStatus();
}

// Unpacks entries one at a time, every path resolved inside `root_`.
class Unpacker {
 public:
  Unpacker(int root, const UnpackLimits& limits) : root_(root), limits_(limits) {}

  absl::Status Entry(archive* reader, archive_entry* entry, UnpackStats& stats) {
    auto name = CleanName(archive_entry_pathname(entry), limits_);
    if (!name.ok()) return name.status();
    if (name->empty()) return absl::OkStatus();  // the root itself
    auto [parent_path, base] = SplitParent(*name);
    auto parent = OpenParent(parent_path);
    if (!parent.ok()) {
      return Hostile(*name, fmt::format("parent: {}", AsStd(parent.status().message())));
    }
    if (base == kOpaqueMarker) return MarkOpaque(parent->get(), *name);
    if (base.starts_with(kWhiteoutPrefix)) {
      return Whiteout(parent->get(), base.substr(kWhiteoutPrefix.size()), *name);
    }
    RETURN_IF_ERROR(Replace(parent->get(), base, archive_entry_filetype(entry)));
    return Create(reader, entry, parent->get(), base, *name, stats);
  }

 private:
  // Opens the directory `path` inside the root, creating missing ones (0755, as tar does)
  // since layers need not list every parent.
  absl::StatusOr<sys::UniqueFd> OpenParent(const std::string& path) {
    auto parent = sys::OpenInRoot(root_, path, O_PATH | O_DIRECTORY);
    if (parent.ok() || parent.status().code() != absl::StatusCode::kNotFound) return parent;
    std::string prefix;
    for (size_t start = 0; start <= path.size();) {
      size_t slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      auto above = sys::OpenInRoot(root_, prefix, O_PATH | O_DIRECTORY);
      if (!above.ok()) return above.status();
      const std::string component = path.substr(start, slash - start);
      if (::mkdirat(above->get(), component.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoToStatus(errno, fmt::format("create directory {}", path.substr(0, slash)));
      }
      prefix = path.substr(0, slash);
      start = slash + 1;
    }
    return sys::OpenInRoot(root_, path, O_PATH | O_DIRECTORY);
  }

  absl::Status MarkOpaque(int parent, const std::string& name) {
    auto dir = sys::OpenInRoot(parent, "", O_RDONLY | O_DIRECTORY);
    if (!dir.ok()) return dir.status();
    if (::fsetxattr(dir->get(), kOpaqueXattr, "y", 1, 0) != 0) {
      return ErrnoToStatus(errno, fmt::format("mark {} opaque", name));
    }
    return absl::OkStatus();
  }

  absl::Status Whiteout(int parent, const std::string& target, const std::string& name) {
    if (target.empty() || target.starts_with(kWhiteoutPrefix))
      return absl::OkStatus();  // .wh..wh.plnk etc.
    if (auto removed = RemoveAll(parent, target); !removed.ok()) return removed;
    if (::mknodat(parent, target.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
      return ErrnoToStatus(errno, fmt::format("whiteout {}", name));
    }
    return absl::OkStatus();
  }

  // A later entry replaces an earlier one, except that a directory stays a directory.
  absl::Status Replace(int parent, const std::string& base, mode_t type) {
    struct stat existing {};
    if (::fstatat(parent, base.c_str(), &existing, AT_SYMLINK_NOFOLLOW) != 0)
      return absl::OkStatus();
    if (S_ISDIR(existing.st_mode) && type == AE_IFDIR) return absl::OkStatus();
    return RemoveAll(parent, base);
  }

  absl::Status Create(archive* reader, archive_entry* entry, int parent, const std::string& base,
                      const std::string& name, UnpackStats& stats) {
    const mode_t mode = archive_entry_perm(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    int rc = 0;
    if (hardlink != nullptr) return Link(hardlink, parent, base, name);
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR:
        rc = ::mkdirat(parent, base.c_str(), 0700);
        if (rc != 0 && errno == EEXIST) rc = 0;
        break;
      case AE_IFREG:
        return WriteFile(reader, entry, parent, base, name, stats);
      case AE_IFLNK:
        rc = ::symlinkat(archive_entry_symlink(entry), parent, base.c_str());
        break;
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
        rc = ::mknodat(parent, base.c_str(), archive_entry_filetype(entry) | mode,
                       archive_entry_rdev(entry));
        break;
      default:
        return Hostile(name, "unsupported entry type");
    }
    if (rc != 0) return ErrnoToStatus(errno, fmt::format("create {}", name));
    return SetMetadata(entry, parent, base, name);
  }

  absl::Status Link(const char* target_raw, int parent, const std::string& base,
                    const std::string& name) {
    auto target = CleanName(target_raw, limits_);
    if (!target.ok()) return target.status();
    auto [target_parent_path, target_base] = SplitParent(*target);
    auto target_parent = sys::OpenInRoot(root_, target_parent_path, O_PATH | O_DIRECTORY);
    if (!target_parent.ok()) return Hostile(name, "hard link target outside the layer");
    if (::linkat(target_parent->get(), target_base.c_str(), parent, base.c_str(), 0) != 0) {
      return ErrnoToStatus(errno, fmt::format("hard link {} to {}", name, *target));
    }
    return absl::OkStatus();
  }

  absl::Status WriteFile(archive* reader, archive_entry* entry, int parent, const std::string& base,
                         const std::string& name, UnpackStats& stats) {
    sys::UniqueFd fd(
        ::openat(parent, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return ErrnoToStatus(errno, fmt::format("create {}", name));
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      const int rc = archive_read_data_block(reader, &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return ArchiveError(reader, fmt::format("read {}", name));
      stats.bytes += static_cast<int64_t>(size);
      if (stats.bytes > limits_.max_bytes) return Hostile(name, "layer larger than the limit");
      const char* data = static_cast<const char*>(block);
      for (size_t written = 0; written < size;) {
        const ssize_t n = ::pwrite(fd.get(), data + written, size - written,
                                   offset + static_cast<la_int64_t>(written));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ErrnoToStatus(errno, fmt::format("write {}", name));
        written += static_cast<size_t>(n);
      }
    }
    if (::ftruncate(fd.get(), archive_entry_size(entry)) != 0) {
      return ErrnoToStatus(errno, fmt::format("size {}", name));
    }
    return SetMetadata(entry, parent, base, name);
  }

  absl::Status SetMetadata(archive_entry* entry, int parent, const std::string& base,
                           const std::string& name) {
    const bool is_link = archive_entry_filetype(entry) == AE_IFLNK;
    if (::fchownat(parent, base.c_str(), static_cast<uid_t>(archive_entry_uid(entry)),
                   static_cast<gid_t>(archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != EPERM) {
      return ErrnoToStatus(errno, fmt::format("chown {}", name));
    }
    if (!is_link && ::fchmodat(parent, base.c_str(), archive_entry_perm(entry), 0) != 0) {
      return ErrnoToStatus(errno, fmt::format("chmod {}", name));
    }
    archive_entry_xattr_reset(entry);
    const char* key = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (!is_link && archive_entry_xattr_next(entry, &key, &value, &size) == ARCHIVE_OK) {
      auto fd = sys::OpenInRoot(parent, base, O_PATH | O_NOFOLLOW);
      if (!fd.ok()) return fd.status();
      const std::string proc = fmt::format("/proc/self/fd/{}", fd->get());
      if (::setxattr(proc.c_str(), key, value, size, 0) != 0 && errno != ENOTSUP) {
        return ErrnoToStatus(errno, fmt::format("set xattr {} on {}", key, name));
      }
    }
    const timespec times[2] = {{archive_entry_atime(entry), archive_entry_atime_nsec(entry)},
                               {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
    ::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW);  // best effort, as tar
    return absl::OkStatus();
  }

  const int root_;
  const UnpackLimits& limits_;
};

// The decompressing reader pulls compressed bytes from the caller's LayerReader; its error
// is kept so that it, not libarchive's view of a truncated stream, is reported.
struct CompressedSource {
  const LayerReader& read;
  absl::Status error;
  char buffer[64 * 1024];
};

la_ssize_t ReadCompressed(archive* reader, void* user, const void** data) {
  auto* source = static_cast<CompressedSource*>(user);
  *data = source->buffer;
  absl::StatusOr<size_t> n = source->read(source->buffer, sizeof(source->buffer));
  if (!n.ok()) {
    source->error = n.status();
    archive_set_error(reader, EIO, "%s", std::string(n.status().message()).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(*n);
}

// The tar reader pulls uncompressed bytes from the decompressing reader, hashing them on
// the way: one pass yields both the unpacked tree and the layer's diff ID.
struct HashingSource {
  archive* raw;
  Sha256 hash;
  char buffer[64 * 1024];
};

la_ssize_t ReadDecompressed(archive*, void* user, const void** data) {
  auto* source = static_cast<HashingSource*>(user);
  const la_ssize_t n = archive_read_data(source->raw, source->buffer, sizeof(source->buffer));
  if (n > 0) source->hash.Update(std::string_view(source->buffer, static_cast<size_t>(n)));
  *data = source->buffer;
  return n;
}

}  // namespace

absl::StatusOr<UnpackStats> UnpackLayer(const std::string& archive_path,
                                        const std::string& target_dir, const UnpackLimits& limits) {
  sys::UniqueFd file(::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) return ErrnoToStatus(errno, fmt::format("open layer {}", archive_path));
  const LayerReader read = [&file](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    ssize_t n;
    while ((n = ::read(file.get(), buffer, size)) < 0 && errno == EINTR) {
    }
    if (n < 0) return ErrnoToStatus(errno, "read layer");
    return static_cast<size_t>(n);
  };
  return UnpackLayerFrom(read, target_dir, limits);
}

absl::StatusOr<UnpackStats> UnpackLayerFrom(const LayerReader& read, const std::string& target_dir,
                                            const UnpackLimits& limits) {
  sys::UniqueFd root(::open(target_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoToStatus(errno, fmt::format("open {}", target_dir));

  CompressedSource compressed{.read = read, .error = absl::OkStatus(), .buffer = {}};
  ArchivePtr raw(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(raw.get());
  archive_read_support_format_raw(raw.get());
  if (archive_read_open(raw.get(), &compressed, nullptr, ReadCompressed, nullptr) != ARCHIVE_OK) {
    if (!compressed.error.ok()) return compressed.error;
    return ArchiveError(raw.get(), "open layer");
  }
  archive_entry* raw_entry = nullptr;
  if (archive_read_next_header(raw.get(), &raw_entry) != ARCHIVE_OK) {
    if (!compressed.error.ok()) return compressed.error;
    return ArchiveError(raw.get(), "read layer");
  }

  HashingSource source{.raw = raw.get(), .hash = {}, .buffer = {}};
  ArchivePtr tar(archive_read_new(), &archive_read_free);
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), &source, nullptr, ReadDecompressed, nullptr) != ARCHIVE_OK) {
    return ArchiveError(tar.get(), "open layer tar");
  }
  UnpackStats stats;
  Unpacker unpacker(root.get(), limits);
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(tar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (!compressed.error.ok()) return compressed.error;  // the source failed, not the tar
    if (rc < ARCHIVE_WARN) return ArchiveError(tar.get(), "read layer entry");
    if (++stats.entries > limits.max_entries) return Hostile("", "too many entries");
    if (auto unpacked = unpacker.Entry(tar.get(), entry, stats); !unpacked.ok()) {
      return compressed.error.ok() ? unpacked : compressed.error;
    }
  }
  // The tar reader may stop before the end-of-archive padding; the diff ID covers it all.
  const void* rest = nullptr;
  while (ReadDecompressed(nullptr, &source, &rest) > 0) {
  }
  if (!compressed.error.ok()) return compressed.error;
  stats.diff_id = source.hash.Finish();
  return stats;
}

}  // namespace crio::storage
