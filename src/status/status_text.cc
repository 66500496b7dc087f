#include "status/status_text.h"

#include "fmt/format.h"

namespace crio::status {
namespace {

using json = nlohmann::json;

// "  key: value" per entry of a JSON object of strings (nlohmann keeps keys sorted).
std::string Entries(const json& object) {
  std::string out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    out += fmt::format("  {}: {}\n", key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

std::string Mappings(const json& mappings) {
  std::string out;
  if (!mappings.is_array()) return out;
  for (const json& mapping : mappings) {
    out += fmt::format("  {}:{}:{}\n", mapping.value("container_id", 0u),
                       mapping.value("host_id", 0u), mapping.value("size", 0u));
  }
  return out;
}

std::string Text(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) return "";
  return found->is_string() ? found->get<std::string>() : found->dump();
}

}  // namespace

absl::StatusOr<std::string> InfoText(const json& info) {
  if (!info.is_object()) return absl::InvalidArgumentError("the info answer is not an object");
  const json mappings = info.value("default_id_mappings", json::object());
  return fmt::format(
      "cgroup driver: {}\nstorage driver: {}\nstorage root: {}\n"
      "default GID mappings (format <container>:<host>:<size>):\n{}"
      "default UID mappings (format <container>:<host>:<size>):\n{}",
      Text(info, "cgroup_driver"), Text(info, "storage_driver"), Text(info, "storage_root"),
      Mappings(mappings.value("gids", json::array())),
      Mappings(mappings.value("uids", json::array())));
}

absl::StatusOr<std::string> ContainerText(const json& container) {
  if (!container.is_object()) {
    return absl::InvalidArgumentError("the container answer is not an object");
  }
  std::string ips;
  for (const json& ip : container.value("ip_addresses", json::array())) {
    if (!ips.empty()) ips += ", ";
    ips += ip.is_string() ? ip.get<std::string>() : ip.dump();
  }
  return fmt::format(
      "name: {}\npid: {}\nimage: {}\nimage ref: {}\ncreated: {}\nlabels:\n{}annotations:\n{}"
      "CRI-O annotations:\n{}log path: {}\nroot: {}\nsandbox: {}\nips: {}\n",
      Text(container, "name"), Text(container, "pid"), Text(container, "image"),
      Text(container, "image_ref"), Text(container, "created_time"),
      Entries(container.value("labels", json::object())),
      Entries(container.value("annotations", json::object())),
      Entries(container.value("crio_annotations", json::object())), Text(container, "log_path"),
      Text(container, "root"), Text(container, "sandbox"), ips);
}

}  // namespace crio::status
