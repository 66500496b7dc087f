#include "storage/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <vector>

#include "common/errno_status.h"
#include "common/sha256.h"
#include "storage/tar_split.h"
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
absl::StatusOr<std::string> CleanName(std::string_view raw, const UnpackOptions& limits) {
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
  Unpacker(int root, const UnpackOptions& limits) : root_(root), limits_(limits) {}

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
      stats.bytes += static_cast<int64_t>(size);  // bounded by the decompressed stream's bound
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
        !(limits_.ignore_chown_errors && (errno == EPERM || errno == EINVAL))) {
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
    const Times times = {timespec{archive_entry_atime(entry), archive_entry_atime_nsec(entry)},
                         timespec{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
    if (archive_entry_filetype(entry) == AE_IFDIR) {
      // Entries unpacked into the directory later would change its modification time.
      directory_times_.emplace_back(name, times);
      return absl::OkStatus();
    }
    ::utimensat(parent, base.c_str(), times.data(), AT_SYMLINK_NOFOLLOW);  // best effort, as tar
    return absl::OkStatus();
  }

 public:
  // Gives the directories the times their entries name, once nothing more goes into them
  // (best effort, as tar).
  void SetDirectoryTimes() {
    for (const auto& [name, times] : directory_times_) {
      auto [parent_path, base] = SplitParent(name);
      auto parent = sys::OpenInRoot(root_, parent_path, O_PATH | O_DIRECTORY);
      if (parent.ok()) ::utimensat(parent->get(), base.c_str(), times.data(), AT_SYMLINK_NOFOLLOW);
    }
  }

 private:
  using Times = std::array<timespec, 2>;
  std::vector<std::pair<std::string, Times>> directory_times_;  // in entry order

  const int root_;
  const UnpackOptions& limits_;
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

// Free space is checked before the first byte is written and then every so often: often
// enough that a fast local unpack cannot overshoot the reserve by much, rarely enough that
// fstatvfs costs nothing next to the writes.
constexpr int64_t kSpaceCheckInterval = int64_t{16} << 20;

// The tar reader pulls decompressed bytes from the decompressing reader through here. On
// the way they are hashed (one pass yields both the unpacked tree and the layer's diff ID),
// counted against the bounds, and watched for the last non-zero byte, so that what follows
// the tar's end can be told to be padding. Its error (a bound, the disk) is the one reported.
struct DecompressedSource {
  archive* raw;
  int root;
  const UnpackOptions& limits;
  TarSplitRecorder* tar_split;  // may be null
  Sha256 hash = {};
  int64_t bytes = 0;        // decompressed so far
  int64_t nonzero_end = 0;  // offset just past the last non-zero byte so far
  int64_t next_space_check = 0;
  absl::Status error = absl::OkStatus();
  char buffer[64 * 1024] = {};
};

absl::Status CheckFreeSpace(int root, int64_t min_free) {
  struct statvfs filesystem {};
  if (::fstatvfs(root, &filesystem) != 0) {
    return ErrnoToStatus(errno, "measure free space on the storage filesystem");
  }
  const int64_t free_bytes =
      static_cast<int64_t>(filesystem.f_bavail) * static_cast<int64_t>(filesystem.f_frsize);
  if (free_bytes < min_free) {
    return absl::ResourceExhaustedError(
        fmt::format("the storage filesystem has {} bytes free, less than the {} kept free",
                    free_bytes, min_free));
  }
  return absl::OkStatus();
}

// Counts `n` more decompressed bytes against the layer's and the image's bounds.
absl::Status Account(DecompressedSource& source, int64_t n) {
  source.bytes += n;
  const UnpackOptions& limits = source.limits;
  if (limits.image_budget != nullptr && !limits.image_budget->Charge(n)) {
    return absl::ResourceExhaustedError(fmt::format(
        "the image's layers decompress to more than {} bytes", limits.image_budget->limit()));
  }
  if (source.bytes > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        fmt::format("the layer decompresses to more than {} bytes", limits.max_bytes));
  }
  if (source.bytes >= source.next_space_check) {
    RETURN_IF_ERROR(CheckFreeSpace(source.root, limits.min_free_bytes));
    source.next_space_check = source.bytes + kSpaceCheckInterval;
  }
  return absl::OkStatus();
}

la_ssize_t ReadDecompressed(archive*, void* user, const void** data) {
  auto* source = static_cast<DecompressedSource*>(user);
  *data = source->buffer;
  if (!source->error.ok()) return -1;
  const la_ssize_t n = archive_read_data(source->raw, source->buffer, sizeof(source->buffer));
  if (n < 0) {
    source->error = ArchiveError(source->raw, "decompress layer");
    return -1;
  }
  const std::string_view chunk(source->buffer, static_cast<size_t>(n));
  source->hash.Update(chunk);
  if (source->tar_split != nullptr) source->tar_split->Feed(chunk);
  if (const size_t last = chunk.find_last_not_of('\0'); last != std::string_view::npos) {
    source->nonzero_end = source->bytes + static_cast<int64_t>(last) + 1;
  }
  if (absl::Status counted = Account(*source, n); !counted.ok()) {
    source->error = std::move(counted);
    return -1;
  }
  return n;
}

// Enables exactly the one decompressor the media type names. libarchive answers ARCHIVE_WARN
// when it would run an external program (gzip -d, zstd -d) for lack of the library: never.
absl::Status EnableDecompressor(archive* raw, Compression compression) {
  int rc = ARCHIVE_OK;
  switch (compression) {
    case Compression::kNone:
      rc = archive_read_support_filter_none(raw);
      break;
    case Compression::kGzip:
      rc = archive_read_support_filter_gzip(raw);
      break;
    case Compression::kZstd:
      rc = archive_read_support_filter_zstd(raw);
      break;
  }
  if (rc != ARCHIVE_OK) {
    return absl::FailedPreconditionError(
        "this libarchive cannot decompress the layer without an external program");
  }
  return archive_read_support_format_raw(raw) == ARCHIVE_OK
             ? absl::OkStatus()
             : ArchiveError(raw, "set up the layer reader");
}

// With no decompressor bidding for the data libarchive passes it through as it is: a layer
// compressed otherwise than declared (or not at all) is caught here.
absl::Status CheckDecompressor(archive* raw, Compression compression) {
  struct Expected {
    int filter;
    std::string_view name;
  };
  const Expected expected =
      compression == Compression::kGzip   ? Expected{ARCHIVE_FILTER_GZIP, "gzip"}
      : compression == Compression::kZstd ? Expected{ARCHIVE_FILTER_ZSTD, "zstd"}
                                          : Expected{ARCHIVE_FILTER_NONE, ""};
  if (archive_filter_code(raw, 0) != expected.filter) {
    return absl::InvalidArgumentError(
        fmt::format("the layer is not {}-compressed, as its media type says", expected.name));
  }
  return absl::OkStatus();
}

// Reads the decompressed stream to its end: the diff ID covers all of it, and a bomb could
// hide behind the tar's end. Only zeros (block padding) may follow the end-of-archive marker.
absl::Status ReadToEnd(archive* tar, DecompressedSource& source) {
  const int64_t tar_end = archive_filter_bytes(tar, 0);  // what the tar reader consumed
  const void* rest = nullptr;
  la_ssize_t n;
  while ((n = ReadDecompressed(nullptr, &source, &rest)) > 0) {
  }
  if (n < 0) return source.error;
  if (source.nonzero_end > tar_end) {
    return absl::InvalidArgumentError(
        fmt::format("non-zero data in the {} bytes after the end of the layer's tar archive",
                    source.bytes - tar_end));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<UnpackStats> UnpackLayer(const std::string& archive_path, Compression compression,
                                        const std::string& target_dir,
                                        const UnpackOptions& limits) {
  sys::UniqueFd file(::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) return ErrnoToStatus(errno, fmt::format("open layer {}", archive_path));
  const LayerReader read = [&file](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    ssize_t n;
    while ((n = ::read(file.get(), buffer, size)) < 0 && errno == EINTR) {
    }
    if (n < 0) return ErrnoToStatus(errno, "read layer");
    return static_cast<size_t>(n);
  };
  return UnpackLayerFrom(read, compression, target_dir, limits);
}

absl::StatusOr<UnpackStats> UnpackLayerFrom(const LayerReader& read, Compression compression,
                                            const std::string& target_dir,
                                            const UnpackOptions& limits,
                                            TarSplitRecorder* tar_split) {
  sys::UniqueFd root(::open(target_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoToStatus(errno, fmt::format("open {}", target_dir));

  CompressedSource compressed{.read = read, .error = absl::OkStatus(), .buffer = {}};
  ArchivePtr raw(archive_read_new(), &archive_read_free);
  RETURN_IF_ERROR(EnableDecompressor(raw.get(), compression));
  if (archive_read_open(raw.get(), &compressed, nullptr, ReadCompressed, nullptr) != ARCHIVE_OK) {
    if (!compressed.error.ok()) return compressed.error;
    return ArchiveError(raw.get(), "open layer");
  }
  archive_entry* raw_entry = nullptr;
  if (archive_read_next_header(raw.get(), &raw_entry) != ARCHIVE_OK) {
    if (!compressed.error.ok()) return compressed.error;
    return ArchiveError(raw.get(), "read layer");
  }
  RETURN_IF_ERROR(CheckDecompressor(raw.get(), compression));

  DecompressedSource source{
      .raw = raw.get(), .root = root.get(), .limits = limits, .tar_split = tar_split};
  // The first error is the one to report: the download's, then a bound's, then the tar's.
  const auto first_error = [&](absl::Status fallback) {
    if (!compressed.error.ok()) return compressed.error;
    return source.error.ok() ? fallback : source.error;
  };
  ArchivePtr tar(archive_read_new(), &archive_read_free);
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), &source, nullptr, ReadDecompressed, nullptr) != ARCHIVE_OK) {
    return first_error(ArchiveError(tar.get(), "open layer tar"));
  }
  UnpackStats stats;
  Unpacker unpacker(root.get(), limits);
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(tar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return first_error(ArchiveError(tar.get(), "read layer entry"));
    if (++stats.entries > limits.max_entries) return Hostile("", "too many entries");
    if (auto unpacked = unpacker.Entry(tar.get(), entry, stats); !unpacked.ok()) {
      return first_error(unpacked);
    }
  }
  unpacker.SetDirectoryTimes();
  if (absl::Status rest = ReadToEnd(tar.get(), source); !rest.ok()) return first_error(rest);
  stats.diff_id = source.hash.Finish();
  stats.tar_bytes = source.bytes;
  return stats;
}

}  // namespace crio::storage
