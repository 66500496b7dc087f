// Reading the small text files of cgroupfs: one number, a limit ("max" or a huge v1 value
// mean none), or "key value" lines (memory.stat, cpu.stat). Shared by cgroup_stats.cc and
// cgroup_details.cc. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace crio::stats {

using KeyedValues = std::map<std::string, uint64_t, std::less<>>;

// cgroup files are small; anything larger is not one.
inline constexpr uint64_t kMaxCgroupFile = 64 << 10;

// A decimal number, trailing newline and spaces ignored.
std::optional<uint64_t> ParseNumber(std::string_view text);

absl::StatusOr<uint64_t> ReadNumber(const std::string& path);
// nullopt when the file is absent or not a number.
std::optional<uint64_t> ReadOptionalNumber(const std::string& path);
// A limit file: nullopt also for "max" (v2) and the v1 "unlimited" values.
std::optional<uint64_t> ReadLimit(const std::string& path);

// "key value" lines; values that are not numbers are left out.
KeyedValues ParseKeyedValues(std::string_view text);
absl::StatusOr<KeyedValues> ReadKeyedFile(const std::string& path);
// nullopt when the file cannot be read.
std::optional<KeyedValues> ReadOptionalKeyedFile(const std::string& path);

// The value of `key`, 0 when absent.
uint64_t Get(const KeyedValues& values, std::string_view key);
// The value of `key`, nullopt when absent.
std::optional<uint64_t> Find(const KeyedValues& values, std::string_view key);

}  // namespace crio::stats
