#include "stats/cgroup_files.h"

#include <charconv>
#include <sstream>

#include "common/read_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::stats {
namespace {

// cgroup v1 reports "no limit" as the largest page-aligned int64; anything this large is
// no limit.
constexpr uint64_t kUnlimited = uint64_t{1} << 62;

}  // namespace

std::optional<uint64_t> ParseNumber(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

absl::StatusOr<uint64_t> ReadNumber(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path, kMaxCgroupFile));
  const std::optional<uint64_t> value = ParseNumber(text);
  if (!value) return absl::DataLossError(fmt::format("{}: not a number: {:?}", path, text));
  return *value;
}

std::optional<uint64_t> ReadOptionalNumber(const std::string& path) {
  auto value = ReadNumber(path);
  return value.ok() ? std::optional(*value) : std::nullopt;
}

std::optional<uint64_t> ReadLimit(const std::string& path) {
  const std::optional<uint64_t> value = ReadOptionalNumber(path);
  if (!value || *value >= kUnlimited) return std::nullopt;
  return value;
}

KeyedValues ParseKeyedValues(std::string_view text) {
  KeyedValues values;
  std::istringstream lines{std::string(text)};
  std::string key, value;
  while (lines >> key >> value) {
    if (auto number = ParseNumber(value)) values[key] = *number;
  }
  return values;
}

absl::StatusOr<KeyedValues> ReadKeyedFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path, kMaxCgroupFile));
  return ParseKeyedValues(text);
}

std::optional<KeyedValues> ReadOptionalKeyedFile(const std::string& path) {
  auto values = ReadKeyedFile(path);
  return values.ok() ? std::optional(*std::move(values)) : std::nullopt;
}

uint64_t Get(const KeyedValues& values, std::string_view key) {
  return Find(values, key).value_or(0);
}

std::optional<uint64_t> Find(const KeyedValues& values, std::string_view key) {
  const auto found = values.find(key);
  return found == values.end() ? std::nullopt : std::optional(found->second);
}

}  // namespace crio::stats
