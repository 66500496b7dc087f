// crioctl's output writers: JSON (2-space indent, as crictl prints), YAML (block style, as
// crictl's JSON-to-YAML conversion prints), tables (columns padded like crictl's tabwriter)
// and the one-line debug rendering of a CRI message. Pure functions of their input; safe
// to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace crio::crioctl {

enum class OutputFormat { kJson, kYaml, kTable };

// `value` as indented JSON with a trailing newline. Invalid UTF-8 becomes U+FFFD.
std::string ToJsonText(const nlohmann::json& value);

// A CRI message as crictl renders it: protobuf JSON with lowerCamelCase names and every
// primitive field printed.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);

// `value` as a YAML 1.2 block document: keys in stored order, sequences under a key at the
// key's column, strings plain unless a YAML reader would take them for something else
// (a number, boolean, null, an indicator) and then double-quoted.
std::string ToYaml(const nlohmann::json& value);

// crictl's tables: tab-separated cells padded to the widest cell of their column plus three
// spaces, and to at least 20 columns (crictl's tabwriter minwidth); the last cell of a line
// is not padded. Widths count UTF-8 code points.
std::string ToTable(const std::vector<std::string>& headers,
                    const std::vector<std::vector<std::string>>& rows);

// "1.23MB" as crictl prints sizes (decimal units, like go-units HumanSize).
std::string HumanSize(uint64_t bytes);

// How long ago `then_ns` (ns since the epoch) was, as crictl's CREATED column says it:
// "Less than a second ago", "5 seconds ago", "About a minute ago", "3 hours ago"...
std::string TimeAgo(int64_t then_ns, int64_t now_ns);

// "VersionRequest {version: "v1"}" for --debug: the message's type and fields on one line,
// with registry credentials (AuthConfig secrets) replaced by "<redacted>".
std::string DebugText(const google::protobuf::Message& message);

}  // namespace crio::crioctl
