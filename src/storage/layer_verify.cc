#include "storage/layer_verify.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "storage/tar_split.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr char kContentModified[] = "layer content modified";

// What the tar says one path of the diff dir is.
struct Expected {
  mode_t type = S_IFDIR;  // S_IFMT bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t size = 0;  // regular files only
  mode_t perm = 0;   // 0777 bits, as the library compares them
  int64_t mtime = 0;
  // False for a directory the tar does not list but its entries need (the unpacker makes
  // it with defaults of its own): only its type is known.
  bool attributes_known = true;
  bool whiteout = false;  // a character device 0/0, as the overlay driver marks a deletion
};
using ExpectedTree = std::map<std::string, Expected>;  // by path relative to the diff dir

// The rebuilt tar, digested and counted as it passes.
class DigestingSource {
 public:
  explicit DigestingSource(TarRebuilder& rebuilder) : rebuilder_(rebuilder) {}

  absl::StatusOr<std::string_view> Next() {
    absl::StatusOr<std::string_view> piece = rebuilder_.Next();
    if (!piece.ok()) return piece;
    digest_.Update(*piece);
    bytes_ += static_cast<int64_t>(piece->size());
    return piece;
  }
  // Reads what is left of the stream (after the tar's end, what a reader leaves).
  absl::Status Drain() {
    for (;;) {
      absl::StatusOr<std::string_view> piece = Next();
      if (!piece.ok()) return piece.status();
      if (piece->empty()) return absl::OkStatus();
    }
  }
  std::string Digest() { return digest_.Finish(); }
  int64_t bytes() const { return bytes_; }

  absl::Status error;  // what made the tar reader's read fail

 private:
  TarRebuilder& rebuilder_;
  Sha256 digest_;
  int64_t bytes_ = 0;
};

la_ssize_t ReadRebuilt(archive* reader, void* user, const void** data) {
  auto* source = static_cast<DigestingSource*>(user);
  absl::StatusOr<std::string_view> piece = source->Next();
  if (!piece.ok()) {
    source->error = piece.status();
    archive_set_error(reader, EIO, "%s", std::string(piece.status().message()).c_str());
    return -1;
  }
  *data = piece->data();
  return static_cast<la_ssize_t>(piece->size());
}

// `raw` as the unpacker names it: no leading "/" or "./", no "." or empty components.
std::string CleanName(std::string_view raw) {
  std::string clean;
  for (size_t start = 0; start <= raw.size();) {
    const size_t slash = std::min(raw.find('/', start), raw.size());
    const std::string_view part = raw.substr(start, slash - start);
    if (!part.empty() && part != ".") clean += (clean.empty() ? "" : "/") + std::string(part);
    start = slash + 1;
  }
  return clean;
}

void EraseSubtree(ExpectedTree& tree, const std::string& path) {
  tree.erase(path);
  // Every key below `path` sorts between "path/" and "path0" ('0' follows '/').
  tree.erase(tree.lower_bound(path + "/"), tree.lower_bound(path + "0"));
}

void AddParents(ExpectedTree& tree, const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    tree.try_emplace(path.substr(0, slash), Expected{.attributes_known = false});
  }
}

// A later entry replaces an earlier one, but a directory over a directory keeps what is in it.
void Put(ExpectedTree& tree, const std::string& path, const Expected& entry) {
  const auto existing = tree.find(path);
  if (existing == tree.end() || existing->second.type != S_IFDIR || entry.type != S_IFDIR) {
    EraseSubtree(tree, path);
  }
  tree[path] = entry;
  AddParents(tree, path);
}

Expected FromEntry(archive_entry* entry) {
  const mode_t type = archive_entry_filetype(entry);
  return Expected{.type = type,
                  .uid = static_cast<uint32_t>(archive_entry_uid(entry)),
                  .gid = static_cast<uint32_t>(archive_entry_gid(entry)),
                  .size = type == S_IFREG ? archive_entry_size(entry) : 0,
                  .perm = static_cast<mode_t>(archive_entry_perm(entry) & 0777),
                  .mtime = archive_entry_mtime(entry)};
}

// Applies one tar entry to the tree, as the unpacker applies it to the diff dir.
void AddEntry(ExpectedTree& tree, archive_entry* entry) {
  const std::string name = CleanName(archive_entry_pathname(entry));
  if (name.empty()) return;  // the root, whose own attributes the library does not compare
  const size_t slash = name.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : name.substr(0, slash);
  const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  if (base == kOpaqueMarker) {
    if (!dir.empty() && !tree.contains(dir)) Put(tree, dir, Expected{.attributes_known = false});
    return;
  }
  if (base.starts_with(kWhiteoutPrefix)) {
    const std::string target = base.substr(kWhiteoutPrefix.size());
    if (target.empty() || target.starts_with(kWhiteoutPrefix)) return;  // .wh..wh.plnk etc.
    Put(tree, dir.empty() ? target : dir + "/" + target,
        Expected{.type = S_IFCHR, .attributes_known = false, .whiteout = true});
    return;
  }
  if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
    // The same inode as its target: the target's attributes.
    const auto target = tree.find(CleanName(link));
    Put(tree, name,
        target != tree.end() ? target->second
                             : Expected{.type = S_IFREG, .attributes_known = false});
    return;
  }
  Put(tree, name, FromEntry(entry));
}

// The entries of the tar `source` yields, read with libarchive (which reads, and so digests,
// everything up to the tar's end).
absl::StatusOr<ExpectedTree> ReadEntries(DigestingSource& source) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                &archive_read_free);
  archive_read_support_format_tar(reader.get());
  const auto failed = [&]() {
    if (!source.error.ok()) return source.error;
    const char* message = archive_error_string(reader.get());
    return absl::DataLossError(
        fmt::format("read the rebuilt tar: {}", message != nullptr ? message : "unknown error"));
  };
  if (archive_read_open(reader.get(), &source, nullptr, ReadRebuilt, nullptr) != ARCHIVE_OK) {
    return failed();
  }
  ExpectedTree tree;
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) return tree;
    if (rc < ARCHIVE_WARN) return failed();
    AddEntry(tree, entry);
    if (archive_read_data_skip(reader.get()) < ARCHIVE_WARN) return failed();
  }
}

std::string TypeName(mode_t type) {
  switch (type) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "char";
    case S_IFBLK:
      return "block";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    default:
      return fmt::format("{:o}", type);
  }
}

// How `actual` departs from `expected`, in the library's "attr:want￫got" words; empty when
// it does not.
std::string CompareAttributes(const Expected& expected, const struct stat& actual,
                              bool ignore_ownership) {
  std::vector<std::string> differences;
  const mode_t type = actual.st_mode & S_IFMT;
  if (type != expected.type) {
    return fmt::format("filetype:{}￫{}", TypeName(expected.type), TypeName(type));
  }
  if (expected.whiteout && actual.st_rdev != makedev(0, 0)) return "whiteout:0/0￫other";
  if (!expected.attributes_known) return "";
  if (!ignore_ownership && expected.uid != actual.st_uid) {
    differences.push_back(fmt::format("uid:{}￫{}", expected.uid, actual.st_uid));
  }
  if (!ignore_ownership && expected.gid != actual.st_gid) {
    differences.push_back(fmt::format("gid:{}￫{}", expected.gid, actual.st_gid));
  }
  if (type == S_IFREG && expected.size != actual.st_size) {
    differences.push_back(fmt::format("size:{}￫{}", expected.size, actual.st_size));
  }
  if (type != S_IFLNK && expected.perm != (actual.st_mode & 0777)) {
    differences.push_back(fmt::format("mode:{:04o}￫{:04o}", expected.perm, actual.st_mode & 0777));
  }
  if (type != S_IFDIR && expected.mtime != actual.st_mtim.tv_sec) {
    differences.push_back(
        fmt::format("mtime:0x{:x}￫0x{:x}", expected.mtime, actual.st_mtim.tv_sec));
  }
  return absl::StrJoin(differences, ",");
}

// The differences between the diff dir and `expected`, as the library lists them: "-/path"
// missing, "+/path" not from the tar, "/path(attributes)" changed; sorted by path.
std::vector<std::string> CompareTree(const std::string& diff_dir, const ExpectedTree& expected,
                                     bool ignore_ownership) {
  std::map<std::string, std::string> differences;  // by path
  std::map<std::string, bool> seen;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(diff_dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string path = it->path().lexically_relative(diff_dir).string();
    struct stat actual {};
    if (::lstat(it->path().c_str(), &actual) != 0) continue;  // gone while we looked
    const bool dir = S_ISDIR(actual.st_mode);
    const auto wanted = expected.find(path);
    if (wanted == expected.end()) {
      differences[path] = "+/" + path + (dir ? "/" : "");
      if (dir) it.disable_recursion_pending();  // its contents are all "+" too: one line
      continue;
    }
    seen[path] = true;
    const std::string changed = CompareAttributes(wanted->second, actual, ignore_ownership);
    if (!changed.empty()) differences[path] = "/" + path + "(" + changed + ")";
  }
  if (error) differences[""] = fmt::format("list {}: {}", diff_dir, error.message());
  for (const auto& [path, entry] : expected) {
    if (!seen.contains(path)) {
      differences.try_emplace(path, "-/" + path + (entry.type == S_IFDIR ? "/" : ""));
    }
  }
  std::vector<std::string> lines;
  for (const auto& [path, line] : differences) lines.push_back(line);
  return lines;
}

std::vector<std::string> ContentProblems(const std::vector<std::string>& differences) {
  std::vector<std::string> problems;
  for (const std::string& difference : differences) {
    if (problems.size() == kMaxContentDifferences) {
      problems.push_back(fmt::format("{} more differences, {}",
                                     differences.size() - kMaxContentDifferences,
                                     kContentModified));
      break;
    }
    problems.push_back(fmt::format("{}, {}", difference, kContentModified));
  }
  return problems;
}

bool IsSha256Digest(std::string_view digest) {
  return digest.starts_with("sha256:") && digest.size() == 7 + 64 &&
         digest.find_first_not_of("0123456789abcdef", 7) == std::string_view::npos;
}

}  // namespace

std::vector<std::string> VerifyLayer(const LayerVerifyRequest& request) {
  if (!IsSha256Digest(request.diff_digest)) {
    return {fmt::format("unsupported or invalid diff digest {:?}", request.diff_digest)};
  }
  absl::StatusOr<std::unique_ptr<TarRebuilder>> rebuilder =
      TarRebuilder::Open(request.tar_split, request.diff_dir);
  if (!rebuilder.ok()) return {std::string(rebuilder.status().message())};
  DigestingSource source(**rebuilder);
  absl::StatusOr<ExpectedTree> expected = ExpectedTree();
  if (request.contents) expected = ReadEntries(source);
  const absl::Status drained = expected.ok() ? source.Drain() : expected.status();
  if (!drained.ok()) return {std::string(drained.message())};
  std::vector<std::string> problems;
  if (source.Digest() != request.diff_digest) problems.push_back("layer content incorrect digest");
  if (request.diff_size >= 0 && source.bytes() != request.diff_size) {
    problems.push_back(
        fmt::format("read {} bytes instead of {} bytes: layer content incorrect size",
                    source.bytes(), request.diff_size));
  }
  // As the library: the tar's entries describe the layer only when the tar is the layer's.
  if (!request.contents || !problems.empty()) return problems;
  return ContentProblems(CompareTree(request.diff_dir, *expected, request.ignore_ownership));
}

}  // namespace crio::storage
