// crioctl's output writers: JSON (2-space indent, as crictl prints), YAML (block style) and
// tables (columns padded like crictl's tabwriter). Pure functions of their input.
#pragma once

#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace crio::crioctl {

enum class OutputFormat { kJson, kYaml, kTable };

std::string ToJsonText(const nlohmann::json& value);

// A CRI message as crictl renders it: protobuf JSON with lowerCamelCase names and every
// primitive field printed.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);
std::string ToYaml(const nlohmann::json& value);

// Left-aligned columns separated by at least three spaces; no trailing blanks.
std::string ToTable(const std::vector<std::string>& headers,
                    const std::vector<std::vector<std::string>>& rows);

}  // namespace crio::crioctl
