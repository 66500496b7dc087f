#include "cmd/crioctl/output.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <regex>
#include <string_view>

#include "fmt/format.h"
#include "google/protobuf/util/json_util.h"

namespace crio::crioctl {
namespace {

using nlohmann::json;

// Dumps that never throw: invalid UTF-8 becomes U+FFFD instead of an exception.
std::string Dump(const json& value, int indent = -1) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

// Plain scalars a YAML reader would resolve to something other than a string: YAML 1.2's
// core schema, plus the YAML 1.1 forms (yes/no/on/off, 0755, 1_000, 1:20, dates) that
// go-yaml and older readers still resolve, so both read our output back as strings.
bool IsImplicitlyTyped(const std::string& text) {
  static const std::regex kTyped(
      "~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
      "|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|=|<<"
      "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?"
      "|[-+]?\\.[0-9]+([eE][-+]?[0-9]+)?"
      "|0o[0-7]+|0x[0-9a-fA-F_]+|0b[01_]+"
      "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
      "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?");
  return std::regex_match(text, kTyped);
}

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// Whether `text` must be double-quoted to read back as the same string (YAML 1.2 plain
// scalar rules, block context).
bool NeedsQuotes(const std::string& text) {
  if (text.empty() || IsImplicitlyTyped(text)) return true;
  const auto first = static_cast<unsigned char>(text.front());
  const auto last = static_cast<unsigned char>(text.back());
  if (std::isspace(first) || std::isspace(last)) return true;
  // Indicators that cannot start a plain scalar; "-", "?" and ":" only when a space follows.
  if (std::string_view(",[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos) {
    return true;
  }
  if (std::string_view("-?:").find(text.front()) != std::string_view::npos &&
      (text.size() == 1 || text[1] == ' ')) {
    return true;
  }
  if (text.find(": ") != std::string::npos || text.find(" #") != std::string::npos ||
      text.back() == ':') {
    return true;
  }
  return std::any_of(text.begin(), text.end(), IsControl);
}

// JSON's string escapes are all valid in a YAML double-quoted scalar.
std::string YamlString(const std::string& text) {
  return NeedsQuotes(text) ? Dump(json(text)) : text;
}

// Scalars and empty collections fit on the line of their key or "- ".
bool IsInline(const json& value) { return !value.is_structured() || value.empty(); }

std::string InlineText(const json& value) {
  if (value.is_object()) return "{}";
  if (value.is_array()) return "[]";
  if (value.is_string()) return YamlString(value.get_ref<const std::string&>());
  return Dump(value);  // numbers, booleans, null
}

void WriteBlock(const json& value, size_t indent, std::string& out);

void WriteMapping(const json& object, size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  for (const auto& [key, item] : object.items()) {
    out += pad + YamlString(key) + ":";
    if (IsInline(item)) {
      out += " " + InlineText(item) + "\n";
      continue;
    }
    out += "\n";
    // Sequences under a key start at the key's column, as crictl (go-yaml) prints them.
    WriteBlock(item, item.is_array() ? indent : indent + 2, out);
  }
}

void WriteSequence(const json& array, size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  for (const json& item : array) {
    if (IsInline(item)) {
      out += pad + "- " + InlineText(item) + "\n";
      continue;
    }
    // The nested block's first line starts right after "- " instead of at its indentation.
    std::string nested;
    WriteBlock(item, indent + 2, nested);
    out += pad + "- " + nested.substr(indent + 2);
  }
}

// REQUIRES: `value` is a non-empty object or array.
void WriteBlock(const json& value, size_t indent, std::string& out) {
  if (value.is_object()) {
    WriteMapping(value, indent, out);
  } else {
    WriteSequence(value, indent, out);
  }
}

// Display width as Go's tabwriter counts it: one per UTF-8 code point.
size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Sets sensitive AuthConfig strings in `message` and everything under it to "<redacted>".
void RedactSecrets(google::protobuf::Message& message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const bool is_auth = message.GetDescriptor()->full_name() == "runtime.v1.AuthConfig";
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        RedactSecrets(*reflection->MutableMessage(&message, field));
        continue;
      }
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        RedactSecrets(*reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else if (is_auth && field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
               field->name() != "username" && field->name() != "server_address") {
      reflection->SetString(&message, field, "<redacted>");
    }
  }
}

}  // namespace

std::string ToJsonText(const json& value) { return Dump(value, 2) + "\n"; }

json ProtoToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) return json();
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string ToYaml(const json& value) {
  if (IsInline(value)) return InlineText(value) + "\n";
  std::string out;
  WriteBlock(value, 0, out);
  return out;
}

std::string ToTable(const std::vector<std::string>& headers,
                    const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kMinWidth = 20;  // crictl: tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
  constexpr size_t kPadding = 3;
  std::vector<size_t> widths(headers.size(), kMinWidth);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]) + kPadding);
    }
  };
  measure(headers);
  for (const auto& row : rows) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - DisplayWidth(row[i]), ' ');
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string DebugText(const google::protobuf::Message& message) {
  std::unique_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  RedactSecrets(*copy);
  return fmt::format("{} {{{}}}", copy->GetDescriptor()->name(), copy->ShortDebugString());
}

std::string TimeAgo(int64_t then_ns, int64_t now_ns) {
  // go-units HumanDuration, which crictl uses.
  const int64_t seconds = (now_ns - then_ns) / 1'000'000'000;
  const int64_t minutes = seconds / 60, hours = minutes / 60;
  std::string span;
  if (seconds < 1) {
    return "Less than a second ago";
  } else if (seconds == 1) {
    span = "1 second";
  } else if (seconds < 60) {
    span = fmt::format("{} seconds", seconds);
  } else if (minutes == 1) {
    span = "About a minute";
  } else if (minutes < 60) {
    span = fmt::format("{} minutes", minutes);
  } else if (hours == 1) {
    span = "About an hour";
  } else if (hours < 48) {
    span = fmt::format("{} hours", hours);
  } else if (hours < 24 * 7 * 2) {
    span = fmt::format("{} days", hours / 24);
  } else if (hours < 24 * 30 * 2) {
    span = fmt::format("{} weeks", hours / 24 / 7);
  } else if (hours < 24 * 365 * 2) {
    span = fmt::format("{} months", hours / 24 / 30);
  } else {
    span = fmt::format("{} years", hours / 24 / 365);
  }
  return span + " ago";
}

std::string HumanSize(uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= 1000 && unit + 1 < std::size(kUnits)) {
    size /= 1000;
    ++unit;
  }
  return fmt::format("{:.4g}{}", size, kUnits[unit]);
}

}  // namespace crio::crioctl
