#include "config/option.h"

#include <charconv>
#include <cmath>

#include "common/strings.h"
#include "fmt/format.h"

namespace crio::config {
namespace {

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (const std::string_view item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

bool IsAbsolutePathOrEmpty(const std::string& path) { return path.empty() || path.front() == '/'; }

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

absl::StatusOr<StringList> TomlStrings(const toml::node& node) {
  const toml::array* array = node.as_array();
  if (array == nullptr) return Invalid("expected an array of strings");
  StringList out;
  for (const toml::node& item : *array) {
    const auto* text = item.as_string();
    if (text == nullptr) return Invalid("expected an array of strings");
    out.push_back(text->get());
  }
  return out;
}

absl::StatusOr<StringMap> TomlStringMap(const toml::node& node) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return Invalid("expected a table of strings");
  StringMap out;
  for (const auto& [key, item] : *table) {
    const auto* text = item.as_string();
    if (text == nullptr) return Invalid("expected a table of strings");
    out.emplace(std::string(key.str()), text->get());
  }
  return out;
}

std::vector<std::string> SplitCommas(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const std::string& text : texts) {
    size_t start = 0;
    for (size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1) {
      out.push_back(text.substr(start, comma - start));
    }
    out.push_back(text.substr(start));
  }
  std::erase(out, std::string());
  return out;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Removes a leading decimal number ("12", "1.5") from `text` and returns it.
std::optional<double> TakeNumber(std::string_view& text) {
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + digits, number);
  if (digits == 0 || error != std::errc() || end != text.data() + digits) return std::nullopt;
  text.remove_prefix(digits);
  return number;
}

// The problem with a string value of `kind`, or empty when it is fine.
template <typename Target>
std::string StringProblem(const BasicOption<Target>& option, const std::string& text) {
  switch (option.kind) {
    case Kind::kPath:
      return IsAbsolutePathOrEmpty(text) ? "" : "must be an absolute path";
    case Kind::kEnum:
      for (const std::string_view allowed : option.allowed) {
        if (text == allowed) return "";
      }
      if (option.key == "log_level") {  // CRI-O's (logrus's) words, which its tests look for
        return fmt::format("not a valid logrus Level: \"{}\" (allowed: {})", text,
                           Join(option.allowed));
      }
      return fmt::format("invalid value (allowed: {})", Join(option.allowed));
    case Kind::kDuration:
      return text.empty() || ParseDuration(text)
                 ? ""
                 : "invalid duration (e.g. \"30s\", \"5m\", \"1h30m\")";
    case Kind::kSize:
      return ParseSize(text) ? "" : "invalid size (e.g. \"12MiB\", \"500KiB\", \"1g\")";
    case Kind::kPort: {
      const auto port = ParseInt(text);
      return port && *port >= 0 && *port <= 65535 ? "" : "invalid port (allowed: 0 to 65535)";
    }
    default:
      return "";
  }
}

}  // namespace

absl::StatusOr<Value> FromToml(Kind kind, const toml::node& node) {
  switch (kind) {
    case Kind::kBool:
      if (const auto* b = node.as_boolean()) return Value(b->get());
      return Invalid("expected a boolean (true or false)");
    case Kind::kInt:
      if (const auto* i = node.as_integer()) return Value(i->get());
      return Invalid("expected an integer");
    case Kind::kStringList:
    case Kind::kPathList: {
      auto list = TomlStrings(node);
      if (!list.ok()) return list.status();
      return Value(std::move(*list));
    }
    case Kind::kStringMap: {
      auto map = TomlStringMap(node);
      if (!map.ok()) return map.status();
      return Value(std::move(*map));
    }
    default:
      if (const auto* s = node.as_string()) return Value(s->get());
      return Invalid("expected a string");
  }
}

absl::StatusOr<Value> FromFlagText(Kind kind, const std::vector<std::string>& texts) {
  const std::string last = texts.empty() ? "" : texts.back();
  switch (kind) {
    case Kind::kBool:
      if (last == "true" || last == "1") return Value(true);
      if (last == "false" || last == "0") return Value(false);
      return Invalid("expected true or false");
    case Kind::kInt: {
      const auto value = ParseInt(last);
      if (value) return Value(*value);
      const bool digits = last.find_first_not_of("0123456789", last.starts_with('-') ? 1 : 0) ==
                              std::string::npos &&
                          last.size() > (last.starts_with('-') ? 1u : 0u);
      return Invalid(digits ? "value out of range" : "parse error: expected an integer");
    }
    case Kind::kStringList:
    case Kind::kPathList:
      return Value(SplitCommas(texts));
    case Kind::kStringMap: {
      StringMap map;
      for (const std::string& entry : SplitCommas(texts)) {
        const size_t equals = entry.find('=');
        if (equals == std::string::npos || equals == 0) return Invalid("expected key=value");
        map[entry.substr(0, equals)] = entry.substr(equals + 1);
      }
      return Value(std::move(map));
    }
    default:
      return Value(last);
  }
}

template <typename Target>
absl::Status Check(const BasicOption<Target>& option, const Value& value) {
  std::string problem;
  if (const auto* text = std::get_if<std::string>(&value)) {
    problem = StringProblem(option, *text);
  } else if (const auto* number = std::get_if<int64_t>(&value)) {
    if (*number < option.min || *number > option.max) {
      problem = option.max == INT64_MAX
                    ? fmt::format("out of range (minimum {})", option.min)
                    : fmt::format("out of range (allowed: {} to {})", option.min, option.max);
    }
  } else if (const auto* list = std::get_if<StringList>(&value);
             list && option.kind == Kind::kPathList) {
    for (const std::string& path : *list) {
      if (!IsAbsolutePathOrEmpty(path) || path.empty()) {
        problem = fmt::format("\"{}\" must be an absolute path", path);
      }
    }
  }
  return problem.empty() ? absl::OkStatus() : Invalid(problem);
}

template <typename Target>
Value Get(const BasicOption<Target>& option, const Target& target) {
  // The accessors only locate the field; reading through them does not modify `target`.
  Target& mutable_target = const_cast<Target&>(target);
  return std::visit([&](auto field) { return Value(field(mutable_target)); }, option.field);
}

template <typename Target>
void Set(const BasicOption<Target>& option, const Value& value, Target& target) {
  std::visit(
      [&](auto field) {
        auto& slot = field(target);
        slot = std::get<std::remove_reference_t<decltype(slot)>>(value);
      },
      option.field);
}

template absl::Status Check(const Option&, const Value&);
template absl::Status Check(const HandlerOption&, const Value&);
template absl::Status Check(const WorkloadOption&, const Value&);
template Value Get(const Option&, const Config&);
template Value Get(const HandlerOption&, const RuntimeHandler&);
template Value Get(const WorkloadOption&, const Workload&);
template void Set(const Option&, const Value&, Config&);
template void Set(const HandlerOption&, const Value&, RuntimeHandler&);
template void Set(const WorkloadOption&, const Value&, Workload&);

std::string ToTomlText(const Value& value) {
  struct Printer {
    std::string operator()(const std::string& text) const { return Quote(text); }
    std::string operator()(bool flag) const { return flag ? "true" : "false"; }
    std::string operator()(int64_t number) const { return std::to_string(number); }
    std::string operator()(const StringList& list) const {
      std::string out = "[";
      for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + Quote(list[i]);
      return out + "]";
    }
    std::string operator()(const StringMap& map) const {
      if (map.empty()) return "{}";
      std::string out = "{ ";
      bool first = true;
      for (const auto& [key, item] : map) {
        out += (first ? "" : ", ") + Quote(key) + " = " + Quote(item);
        first = false;
      }
      return out + " }";
    }
  };
  return std::visit(Printer{}, value);
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  struct Unit {
    std::string_view name;
    double nanos;
  };
  // Longest names first so "ms" is not read as "m".
  constexpr Unit kUnits[] = {{"ns", 1},  {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
                             {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  while (!text.empty()) {
    const std::optional<double> number = TakeNumber(text);
    if (!number) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.starts_with(candidate.name) &&
          (unit == nullptr || candidate.name.size() > unit->name.size())) {
        unit = &candidate;
      }
    }
    if (unit == nullptr) return std::nullopt;
    total += *number * unit->nanos;
    text.remove_prefix(unit->name.size());
  }
  if (total > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

std::optional<int64_t> ParseSize(std::string_view text) {
  const std::optional<double> number = TakeNumber(text);
  if (!number) return std::nullopt;
  std::string unit;
  for (const char c : text) unit += static_cast<char>(std::tolower(c));
  // Like go-units' RAMInBytes: every unit is binary, the "i" and "b" are optional.
  constexpr std::pair<std::string_view, int> kPowers[] = {{"", 0},  {"b", 0}, {"k", 1}, {"m", 2},
                                                          {"g", 3}, {"t", 4}, {"p", 5}};
  for (const auto& [prefix, power] : kPowers) {
    for (const std::string& spelling :
         {std::string(prefix), std::string(prefix) + "b", std::string(prefix) + "ib"}) {
      if (unit == spelling && !(prefix.empty() && spelling == "ib")) {
        const double bytes = *number * std::pow(1024.0, power);
        if (bytes > 9.2e18) return std::nullopt;
        return static_cast<int64_t>(bytes);
      }
    }
  }
  return std::nullopt;
}

}  // namespace crio::config
