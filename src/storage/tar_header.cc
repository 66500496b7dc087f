#include "storage/tar_header.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace crio::storage {
namespace {

// Header formats as Go's block.GetFormat tells them apart.
enum class TarFormat { kV7, kUstar, kStar, kGnu };

std::string_view Field(std::string_view block, size_t offset, size_t length) {
  return block.substr(offset, length);
}

// An octal field: NULs and spaces around the digits are ignored, an empty field is 0.
std::optional<int64_t> ParseOctal(std::string_view field) {
  constexpr std::string_view kBlank(" \0", 2);
  const size_t first = field.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return 0;
  const std::string_view digits =
      TarString(field.substr(first, field.find_last_not_of(kBlank) - first + 1));
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 8);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return static_cast<int64_t>(value);
}

// GNU's base-256 form: the high bit of the first byte set, the rest a big-endian two's
// complement number (the second-highest bit its sign).
std::optional<int64_t> ParseBase256(std::string_view field) {
  const unsigned char invert = (static_cast<unsigned char>(field[0]) & 0x40) ? 0xff : 0;
  uint64_t value = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(field[i]) ^ invert;
    if (i == 0) c &= 0x7f;
    if ((value >> 56) != 0) return std::nullopt;  // overflow
    value = value << 8 | c;
  }
  if ((value >> 63) != 0) return std::nullopt;
  return invert ? ~static_cast<int64_t>(value) : static_cast<int64_t>(value);
}

std::optional<int64_t> ParseNumeric(std::string_view field) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80) != 0) {
    return ParseBase256(field);
  }
  return ParseOctal(field);
}

// A decimal number as Go's strconv.ParseInt(value, 10, 64) reads it: an optional sign, digits.
std::optional<int64_t> ParseDecimal(std::string_view text) {
  if (text.starts_with('+')) {
    text.remove_prefix(1);
    if (text.starts_with('-')) return std::nullopt;
  }
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Go accepts the checksum field summed over the block's bytes read as unsigned or as signed
// chars, the field itself counted as spaces.
bool ChecksumMatches(std::string_view block) {
  const std::optional<int64_t> stored = ParseOctal(Field(block, 148, 8));
  if (!stored) return false;
  int64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kTarBlockSize; ++i) {
    const char c = (i >= 148 && i < 156) ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || *stored == signed_sum;
}

std::optional<TarFormat> DetectFormat(std::string_view block) {
  using std::string_view_literals::operator""sv;
  if (!ChecksumMatches(block)) return std::nullopt;
  const std::string_view magic = Field(block, 257, 6);
  if (magic == "ustar\0"sv) {
    return Field(block, 508, 4) == "tar\0"sv ? TarFormat::kStar : TarFormat::kUstar;
  }
  if (magic == "ustar "sv && Field(block, 263, 2) == " \0"sv) return TarFormat::kGnu;
  return TarFormat::kV7;
}

// Go writers before 1.8 put a USTAR prefix where GNU headers keep atime and ctime; Go's reader
// takes it as the prefix again when those fields do not parse as numbers.
std::string_view GnuFallbackPrefix(std::string_view block) {
  const auto parses = [block](size_t offset) {
    return block[offset] == '\0' || ParseNumeric(Field(block, offset, 12)).has_value();
  };
  if (parses(345) && parses(357)) return {};
  const std::string_view prefix = TarString(Field(block, 345, 155));
  const bool ascii =
      std::ranges::all_of(prefix, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return ascii ? prefix : std::string_view();
}

// The prefix joined to the name field, per format; sets `ok` false when a numeric field the
// format has does not parse.
std::string_view NamePrefix(std::string_view block, TarFormat format, bool& ok) {
  const auto check = [&](size_t offset, size_t length) {
    ok = ok && ParseNumeric(Field(block, offset, length)).has_value();
  };
  if (format == TarFormat::kV7) return {};
  check(329, 8);  // devmajor
  check(337, 8);  // devminor
  switch (format) {
    case TarFormat::kUstar:
      return TarString(Field(block, 345, 155));
    case TarFormat::kStar:
      check(476, 12);  // atime
      check(488, 12);  // ctime
      return TarString(Field(block, 345, 131));
    case TarFormat::kGnu:
      return GnuFallbackPrefix(block);
    case TarFormat::kV7:
      break;
  }
  return {};
}

// The value of `key` in `records`, or nullptr when absent or empty (Go keeps the header's).
const std::string* NonEmptyRecord(const PaxRecords& records, std::string_view key) {
  const auto it = records.find(key);
  return it == records.end() || it->second.empty() ? nullptr : &it->second;
}

}  // namespace

std::string_view TarString(std::string_view data) { return data.substr(0, data.find('\0')); }

bool IsHeaderOnlyTarType(char type) {
  switch (type) {
    case '1':  // hard link
    case '2':  // symlink
    case '3':  // character device
    case '4':  // block device
    case '5':  // directory
    case '6':  // FIFO
      return true;
    default:
      return false;
  }
}

std::optional<TarHeader> ParseTarHeader(std::string_view block) {
  const std::optional<TarFormat> format = DetectFormat(block);
  if (!format) return std::nullopt;
  bool ok = true;
  const auto numeric = [&](size_t offset, size_t length) {
    const std::optional<int64_t> value = ParseNumeric(Field(block, offset, length));
    ok = ok && value.has_value();
    return value.value_or(0);
  };
  TarHeader header{.type = block[156],
                   .name = std::string(TarString(Field(block, 0, 100))),
                   .size = numeric(124, 12),
                   .uid = numeric(108, 8),
                   .gid = numeric(116, 8)};
  numeric(100, 8);   // mode
  numeric(136, 12);  // mtime
  const std::string_view prefix = NamePrefix(block, *format, ok);
  if (!ok) return std::nullopt;
  if (!prefix.empty()) header.name = std::string(prefix) + "/" + header.name;
  return header;
}

std::optional<PaxRecords> ParsePaxRecords(std::string_view data) {
  PaxRecords records;
  while (!data.empty()) {
    // "<length> <key>=<value>\n", the length counting the whole record.
    const size_t space = data.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const std::optional<int64_t> length = ParseDecimal(data.substr(0, space));
    if (!length || *length < 5 || std::cmp_greater(*length, data.size()) ||
        std::cmp_less(*length, space + 2) || data[*length - 1] != '\n') {
      return std::nullopt;
    }
    const std::string_view record = data.substr(space + 1, *length - space - 2);
    data.remove_prefix(*length);
    const size_t equals = record.find('=');
    if (equals == 0 || equals == std::string_view::npos) return std::nullopt;
    const std::string_view key = record.substr(0, equals);
    const std::string_view value = record.substr(equals + 1);
    const bool string_field =
        key == "path" || key == "linkpath" || key == "uname" || key == "gname";
    if ((string_field ? value : key).find('\0') != std::string_view::npos) return std::nullopt;
    records.insert_or_assign(std::string(key), std::string(value));
  }
  return records;
}

bool MergePaxRecords(const PaxRecords& records, TarHeader& header) {
  if (const std::string* path = NonEmptyRecord(records, "path")) header.name = *path;
  for (auto [key, field] : {std::pair{"uid", &header.uid}, std::pair{"gid", &header.gid},
                            std::pair{"size", &header.size}}) {
    const std::string* value = NonEmptyRecord(records, key);
    if (value == nullptr) continue;
    const std::optional<int64_t> number = ParseDecimal(*value);
    if (!number) return false;
    *field = *number;
  }
  return true;
}

}  // namespace crio::storage
