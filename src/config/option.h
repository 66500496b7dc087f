// The option registry's building blocks: one Option per crio.conf key, saying where the key
// lives (table, name), its command-line flag, its kind of value and checks, its reference
// documentation, whether SIGHUP reloads it, and which Config field it sets.
//
// Values from TOML and from flags take the same path: they are turned into a Value of the
// option's kind, checked by Check(), then stored. Everything here is immutable data and
// pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "toml++/toml.h"

namespace crio::config {

enum class Kind {
  kString,  // any string
  kPath,    // absolute path, or empty
  kBool,
  kInt,  // int64 within [min, max]
  kStringList,
  kPathList,  // absolute paths
  kStringMap,
  kEnum,      // one of `allowed`
  kDuration,  // Go duration: "0s", "1h30m", "250ms"; empty allowed
  kSize,      // bytes with binary units: "12MiB", "500KiB", "1g"
  kPort,      // a string holding 0..65535 (stream_port is a string in CRI-O)
};

using StringList = std::vector<std::string>;
using StringMap = std::map<std::string, std::string>;
using Value = std::variant<std::string, bool, int64_t, StringList, StringMap>;

template <typename Target>
using FieldRef = std::variant<std::string& (*)(Target&), bool& (*)(Target&), int64_t& (*)(Target&),
                              StringList& (*)(Target&), StringMap& (*)(Target&)>;

template <typename Target>
struct BasicOption {
  std::string_view table;       // "crio.runtime"; handler options use "crio.runtime.runtimes"
  std::string_view key;         // "log_level"
  std::string_view flag;        // long flag without dashes; empty: no flag
  std::string_view short_flag;  // one letter, or empty
  Kind kind;
  FieldRef<Target> field;
  std::string_view doc;
  bool reloadable = false;
  std::vector<std::string_view> allowed;  // kEnum
  int64_t min = INT64_MIN;                // kInt
  int64_t max = INT64_MAX;
};

using Option = BasicOption<Config>;
using HandlerOption = BasicOption<RuntimeHandler>;
using WorkloadOption = BasicOption<Workload>;

// The registries, in the order `crio config` prints them.
std::span<const Option> Options();
std::span<const HandlerOption> HandlerOptions();
// A workload's keys: table "crio.runtime.workloads", its resources in
// "crio.runtime.workloads.resources".
std::span<const WorkloadOption> WorkloadOptions();

// The TOML tables of Config, in print order (runtime handlers follow "crio.runtime").
std::span<const std::string_view> Tables();

// Turns a TOML node into a Value of `kind`; an error says what type was expected.
absl::StatusOr<Value> FromToml(Kind kind, const toml::node& node);

// Turns flag text into a Value of `kind`. Lists split on commas; maps take "key=value".
absl::StatusOr<Value> FromFlagText(Kind kind, const std::vector<std::string>& texts);

// Checks `value` against the option's kind and limits. The error message is the problem
// and, where it helps, the allowed values, e.g. `invalid value (allowed: systemd, cgroupfs)`.
template <typename Target>
absl::Status Check(const BasicOption<Target>& option, const Value& value);

// Reads and writes the option's field.
template <typename Target>
Value Get(const BasicOption<Target>& option, const Target& target);
template <typename Target>
void Set(const BasicOption<Target>& option, const Value& value, Target& target);

// The value as TOML source text: "\"text\"", true, 42, ["a", "b"], { "k" = "v" }.
std::string ToTomlText(const Value& value);

// Parses a Go duration ("1h2m3.5s", "100ms", "0") into nanoseconds.
std::optional<int64_t> ParseDuration(std::string_view text);
// Parses a size with optional binary unit ("12MiB", "512k", "1g", "4096") into bytes.
std::optional<int64_t> ParseSize(std::string_view text);

}  // namespace crio::config
