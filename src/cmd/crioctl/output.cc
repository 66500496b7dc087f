#include "cmd/crioctl/output.h"

#include <algorithm>
#include <cctype>

#include "google/protobuf/util/json_util.h"

namespace crio::crioctl {
namespace {

using nlohmann::json;

// YAML 1.2 would read these plain scalars as something other than a string.
bool LooksLikeNonString(const std::string& text) {
  static const char* kReserved[] = {"true", "false", "null", "~",    "yes",   "no",   "on",  "off",
                                    "True", "False", "Null", "TRUE", "FALSE", "NULL", "Yes", "No",
                                    "YES",  "NO",    "On",   "Off",  "ON",    "OFF"};
  for (const char* word : kReserved) {
    if (text == word) return true;
  }
  const json number = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return number.is_number() || text == ".inf" || text == ".nan";
}

bool NeedsQuotes(const std::string& text) {
  if (text.empty() || LooksLikeNonString(text)) return true;
  if (std::isspace(static_cast<unsigned char>(text.front())) ||
      std::isspace(static_cast<unsigned char>(text.back()))) {
    return true;
  }
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos) {
    return true;
  }
  if (text.find(": ") != std::string::npos || text.find(" #") != std::string::npos ||
      text.back() == ':') {
    return true;
  }
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string Scalar(const json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    return NeedsQuotes(text) ? json(text).dump() : text;
  }
  return value.dump();  // numbers, booleans, null
}

bool IsEmptyContainer(const json& value) {
  return (value.is_object() || value.is_array()) && value.empty();
}

void WriteYaml(const json& value, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out += pad + (NeedsQuotes(key) ? json(key).dump() : key) + ":";
      if (IsEmptyContainer(item) || !item.is_structured()) {
        out +=
            " " +
            (IsEmptyContainer(item) ? std::string(item.is_array() ? "[]" : "{}") : Scalar(item)) +
            "\n";
      } else {
        out += "\n";
        // Sequences under a key start at the key's column, as kubectl prints them.
        WriteYaml(item, item.is_array() ? indent : indent + 2, out);
      }
    }
  } else if (value.is_array()) {
    for (const json& item : value) {
      if (!item.is_structured() || IsEmptyContainer(item)) {
        out +=
            pad + "- " +
            (IsEmptyContainer(item) ? std::string(item.is_array() ? "[]" : "{}") : Scalar(item)) +
            "\n";
        continue;
      }
      // "- " takes the place of the first line's indentation.
      std::string nested;
      WriteYaml(item, indent + 2, nested);
      out += pad + "- " + nested.substr(static_cast<size_t>(indent) + 2);
    }
  } else {
    out += pad + Scalar(value) + "\n";
  }
}

}  // namespace

std::string ToJsonText(const json& value) { return value.dump(2) + "\n"; }

json ProtoToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) return json();
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string ToYaml(const json& value) {
  if (IsEmptyContainer(value)) return value.is_array() ? "[]\n" : "{}\n";
  std::string out;
  WriteYaml(value, 0, out);
  return out;
}

std::string ToTable(const std::vector<std::string>& headers,
                    const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(headers);
  for (const auto& row : rows) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace crio::crioctl
