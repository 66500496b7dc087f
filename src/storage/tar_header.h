// Reading tar header blocks and PAX records as Go's archive/tar reads them (in the fork
// tar-split uses), so that TarSplitRecorder cuts a tar stream where containers/storage would and
// names each entry as it would. Only what tar-split records is kept: type, name, size, owner.
//
// Where Go's reader reports ErrHeader these return nullopt (or false); the caller decides what
// that means. Pure functions on bytes; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace crio::storage {

inline constexpr size_t kTarBlockSize = 512;

// What tar-split needs of one tar header.
struct TarHeader {
  char type = '0';  // the typeflag byte
  std::string
      name;  // the name field (with the USTAR prefix joined), until PAX/GNU records say otherwise
  int64_t size = 0;  // the size field; may be negative, which Go refuses for entries with content
  int64_t uid = 0;
  int64_t gid = 0;
};

// The PAX records of one extended header ('x' or 'g'): key → value, the last record of a key wins.
using PaxRecords = std::map<std::string, std::string, std::less<>>;

// Parses one 512-byte header block. REQUIRES: `block` holds kTarBlockSize bytes, not all zero.
// nullopt when the checksum does not match or a numeric field does not parse.
std::optional<TarHeader> ParseTarHeader(std::string_view block);

// Parses the data of a PAX extended header ("<length> <key>=<value>\n" records); nullopt
// when a record is malformed.
std::optional<PaxRecords> ParsePaxRecords(std::string_view data);

// Applies the "path", "uid", "gid" and "size" records to `header` (an empty value keeps the
// header's own); false when a number does not parse.
bool MergePaxRecords(const PaxRecords& records, TarHeader& header);

// The bytes of `data` up to its first NUL, as Go reads a string field or a GNU long name.
std::string_view TarString(std::string_view data);

// Whether entries of this type carry no content whatever their size field says (links,
// devices, directories, FIFOs).
bool IsHeaderOnlyTarType(char type);

}  // namespace crio::storage
