#include "testing/tar_builder.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>

#include "fmt/format.h"

namespace crio::testing {
namespace {

la_ssize_t Append(archive*, void* user, const void* data, size_t size) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

// Writes one raw (format-less) stream of `size` bytes, `chunk` repeated, through the
// compressor: the input is produced chunk by chunk, never held whole.
std::string CompressRepeated(std::string_view chunk, int64_t size, Compression compression) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_raw(writer);
  if (compression == Compression::kGzip) archive_write_add_filter_gzip(writer);
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(writer);
  archive_write_set_bytes_in_last_block(writer, 1);
  archive_write_open(writer, &out, nullptr, Append, nullptr);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, size);
  archive_write_header(writer, entry);
  for (int64_t left = size; left > 0;) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(left, std::ssize(chunk)));
    archive_write_data(writer, chunk.data(), n);
    left -= static_cast<int64_t>(n);
  }
  archive_entry_free(entry);
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

}  // namespace

std::string Compress(std::string_view data, Compression compression) {
  return CompressRepeated(data, std::ssize(data), compression);
}

std::string BuildZeroBomb(int64_t zero_bytes, Compression compression) {
  constexpr int64_t kMember = int64_t{64} << 20;
  const int64_t members = std::max<int64_t>(1, (zero_bytes + kMember - 1) / kMember);
  // The tar header of the file: a tar of an empty "bomb" minus its end-of-archive blocks,
  // with the size field rewritten (octal, NUL-terminated, at offset 124).
  std::string header = BuildTar({{.name = "bomb", .content = ""}}, Compression::kNone);
  header.resize(header.size() - 1024);
  const std::string size_field = fmt::format("{:011o}", members * kMember);
  header.replace(header.size() - 512 + 124, 12, size_field + '\0');
  unsigned checksum = 0;
  std::fill_n(header.end() - 512 + 148, 8, ' ');
  for (auto it = header.end() - 512; it != header.end(); ++it)
    checksum += static_cast<unsigned char>(*it);
  header.replace(header.size() - 512 + 148, 8, fmt::format("{:06o}", checksum) + '\0' + ' ');
  const std::string zeros(1 << 20, '\0');
  const std::string member = CompressRepeated(zeros, kMember, compression);
  std::string bomb = Compress(header, compression);
  for (int64_t i = 0; i < members; ++i) bomb += member;
  return bomb + Compress(std::string(1024, '\0'), compression);  // end of archive
}

std::string BuildTar(const std::vector<TarEntry>& entries, Compression compression) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  if (compression == Compression::kGzip) archive_write_add_filter_gzip(writer);
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(writer);
  archive_write_set_bytes_in_last_block(writer, 1);
  archive_write_open(writer, &out, nullptr, Append, nullptr);
  for (const TarEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_perm(entry, e.mode);
    archive_entry_set_uid(entry, e.uid);
    archive_entry_set_mtime(entry, 1700000000, 0);
    if (e.hardlink) {
      archive_entry_set_hardlink(entry, e.link.c_str());
    } else {
      archive_entry_set_filetype(entry, e.type);
      if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.link.c_str());
      if (e.type == AE_IFCHR) archive_entry_set_rdev(entry, e.rdev);
      if (e.type == AE_IFREG)
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    }
    archive_write_header(writer, entry);
    if (e.type == AE_IFREG && !e.hardlink)
      archive_write_data(writer, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

}  // namespace crio::testing
