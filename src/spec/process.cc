#include "spec/process.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>

#include "fmt/format.h"

namespace crio::spec {
namespace {

constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The Linux capabilities, by number (capability.h), without their CAP_ prefix.
constexpr const char* kCapabilities[] = {"CHOWN",
                                         "DAC_OVERRIDE",
                                         "DAC_READ_SEARCH",
                                         "FOWNER",
                                         "FSETID",
                                         "KILL",
                                         "SETGID",
                                         "SETUID",
                                         "SETPCAP",
                                         "LINUX_IMMUTABLE",
                                         "NET_BIND_SERVICE",
                                         "NET_BROADCAST",
                                         "NET_ADMIN",
                                         "NET_RAW",
                                         "IPC_LOCK",
                                         "IPC_OWNER",
                                         "SYS_MODULE",
                                         "SYS_RAWIO",
                                         "SYS_CHROOT",
                                         "SYS_PTRACE",
                                         "SYS_PACCT",
                                         "SYS_ADMIN",
                                         "SYS_BOOT",
                                         "SYS_NICE",
                                         "SYS_RESOURCE",
                                         "SYS_TIME",
                                         "SYS_TTY_CONFIG",
                                         "MKNOD",
                                         "LEASE",
                                         "AUDIT_WRITE",
                                         "AUDIT_CONTROL",
                                         "SETFCAP",
                                         "MAC_OVERRIDE",
                                         "MAC_ADMIN",
                                         "SYSLOG",
                                         "WAKE_ALARM",
                                         "BLOCK_SUSPEND",
                                         "AUDIT_READ",
                                         "PERFMON",
                                         "BPF",
                                         "CHECKPOINT_RESTORE"};

std::string EnvKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

void SetEnv(std::vector<std::string>& env, const std::string& entry) {
  const std::string key = EnvKey(entry);
  auto existing =
      std::find_if(env.begin(), env.end(), [&](const std::string& e) { return EnvKey(e) == key; });
  if (existing != env.end()) {
    *existing = entry;
  } else {
    env.push_back(entry);
  }
}

absl::StatusOr<std::string> NormalizeCapability(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.starts_with("CAP_")) name = name.substr(4);
  if (name == "ALL") return name;
  for (const char* known : kCapabilities) {
    if (name == known) return "CAP_" + name;
  }
  return absl::InvalidArgumentError(fmt::format("unknown capability \"{}\"", name));
}

bool ContainsAll(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return name == "ALL" || name == "CAP_ALL";
  });
}

std::optional<uint32_t> Number(const std::string& text) {
  uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> Split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream stream(line);
  while (std::getline(stream, field, separator)) fields.push_back(field);
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}

// passwd: name:x:uid:gid:gecos:home:shell; group: name:x:gid:user,user
struct Entry {
  std::string name;
  uint32_t id = 0;
  uint32_t gid = 0;
  std::string home;
  std::vector<std::string> members;
};

std::vector<Entry> ParseDatabase(const std::string& text, bool is_passwd) {
  std::vector<Entry> entries;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string> fields = Split(line, ':');
    if (fields.size() < (is_passwd ? 6u : 3u)) continue;
    const auto id = Number(fields[2]);
    if (!id) continue;
    Entry entry{.name = fields[0], .id = *id, .gid = 0, .home = "", .members = {}};
    if (is_passwd) {
      entry.gid = Number(fields[3]).value_or(0);
      entry.home = fields[5];
    } else if (fields.size() > 3 && !fields[3].empty()) {
      entry.members = Split(fields[3], ',');
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ResolveArgs(const std::vector<std::string>& entrypoint,
                                                     const std::vector<std::string>& cmd,
                                                     const std::vector<std::string>& command,
                                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = command.empty() ? entrypoint : command;
  const std::vector<std::string>& tail = !args.empty() ? args : (command.empty() ? cmd : args);
  argv.insert(argv.end(), tail.begin(), tail.end());
  if (argv.empty()) return absl::InvalidArgumentError("no command specified");
  return argv;
}

std::vector<std::string> MergeEnv(const std::vector<std::string>& defaults,
                                  const std::vector<std::string>& image,
                                  const std::vector<std::string>& request, bool tty,
                                  const std::string& hostname) {
  std::vector<std::string> env = {kDefaultPath, "TERM=xterm"};
  for (const auto* list : {&defaults, &image, &request}) {
    for (const std::string& entry : *list) {
      if (!EnvKey(entry).empty()) SetEnv(env, entry);
    }
  }
  if (tty) SetEnv(env, "TERM=xterm");
  SetEnv(env, "HOSTNAME=" + hostname);
  return env;
}

std::vector<std::string> CapabilitiesOfMask(uint64_t mask) {
  std::vector<std::string> names;
  for (size_t bit = 0; bit < std::size(kCapabilities); ++bit) {
    if ((mask >> bit) & 1) names.push_back(std::string("CAP_") + kCapabilities[bit]);
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> Capabilities(const std::vector<std::string>& defaults,
                                                      const std::vector<std::string>& add,
                                                      const std::vector<std::string>& drop,
                                                      bool privileged,
                                                      const std::vector<std::string>& host) {
  auto on_host = [&](const std::string& cap) {
    return host.empty() || std::find(host.begin(), host.end(), cap) != host.end();
  };
  std::set<std::string> caps;
  auto insert_all = [&] {
    for (const char* known : kCapabilities) {
      if (on_host(std::string("CAP_") + known)) caps.insert(std::string("CAP_") + known);
    }
  };
  if (privileged) {
    insert_all();
    return std::vector<std::string>(caps.begin(), caps.end());
  }
  if (!ContainsAll(add) && !ContainsAll(drop)) {
    for (const std::string& name : defaults) {
      auto normalized = NormalizeCapability(name);
      if (!normalized.ok()) return normalized.status();
      caps.insert(*normalized);
    }
  }
  if (ContainsAll(add)) insert_all();
  for (const std::string& name : add) {
    auto normalized = NormalizeCapability(name);
    if (!normalized.ok()) return normalized.status();
    if (*normalized == "ALL") continue;
    if (!on_host(*normalized)) {
      return absl::InvalidArgumentError(
          fmt::format("capability {} is not available on this host", *normalized));
    }
    caps.insert(*normalized);
  }
  if (ContainsAll(drop)) caps.clear();
  for (const std::string& name : drop) {
    auto normalized = NormalizeCapability(name);
    if (!normalized.ok()) return normalized.status();
    caps.erase(*normalized);
  }
  if (ContainsAll(drop)) {
    // drop ALL then add back only what `add` names.
    for (const std::string& name : add) {
      auto normalized = NormalizeCapability(name);
      if (normalized.ok() && *normalized != "ALL" && on_host(*normalized)) {
        caps.insert(*normalized);
      }
    }
  }
  return std::vector<std::string>(caps.begin(), caps.end());
}

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& user, const std::string& passwd,
                                         const std::string& group,
                                         std::optional<uint32_t> run_as_group,
                                         const std::vector<int64_t>& supplemental, bool strict) {
  const size_t colon = user.find(':');
  const std::string user_part = user.substr(0, colon);
  const std::string group_part = colon == std::string::npos ? "" : user.substr(colon + 1);
  const std::vector<Entry> users = ParseDatabase(passwd, true);
  const std::vector<Entry> groups = ParseDatabase(group, false);

  ResolvedUser resolved;
  std::string name;
  const auto uid = Number(user_part);
  const auto by_user = std::find_if(users.begin(), users.end(), [&](const Entry& e) {
    return uid ? e.id == *uid : e.name == user_part;
  });
  if (user_part.empty()) {
    resolved.uid = 0;
  } else if (by_user != users.end()) {
    resolved.uid = by_user->id;
    resolved.gid = by_user->gid;
    resolved.home = by_user->home.empty() ? "/" : by_user->home;
    name = by_user->name;
  } else if (uid) {
    resolved.uid = *uid;
  } else {
    return absl::InvalidArgumentError(
        fmt::format("user \"{}\" is not in the image's /etc/passwd", user_part));
  }
  if (user_part.empty() && !users.empty()) {
    const auto root =
        std::find_if(users.begin(), users.end(), [](const Entry& e) { return e.id == 0; });
    if (root != users.end()) resolved.home = root->home.empty() ? "/" : root->home;
  }
  if (!group_part.empty()) {
    const auto gid = Number(group_part);
    const auto by_group = std::find_if(groups.begin(), groups.end(), [&](const Entry& e) {
      return gid ? e.id == *gid : e.name == group_part;
    });
    if (by_group != groups.end()) {
      resolved.gid = by_group->id;
    } else if (gid) {
      resolved.gid = *gid;
    } else {
      return absl::InvalidArgumentError(
          fmt::format("group \"{}\" is not in the image's /etc/group", group_part));
    }
  }
  if (run_as_group) resolved.gid = *run_as_group;
  std::set<uint32_t> extra;
  if (!strict && !name.empty()) {
    for (const Entry& entry : groups) {
      if (std::find(entry.members.begin(), entry.members.end(), name) != entry.members.end()) {
        extra.insert(entry.id);
      }
    }
  }
  for (const int64_t gid : supplemental) {
    if (gid >= 0 && gid <= UINT32_MAX) extra.insert(static_cast<uint32_t>(gid));
  }
  extra.insert(resolved.gid);  // as runc and CRI-O do: the primary group is listed too
  resolved.additional_gids.assign(extra.begin(), extra.end());
  return resolved;
}

}  // namespace crio::spec
