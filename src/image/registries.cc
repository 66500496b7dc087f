#include "image/registries.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>

#include "common/read_file.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "toml++/toml.h"

namespace crio::image {
namespace {

namespace fs = std::filesystem;

std::optional<uint64_t> ParseDecimal(std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

absl::Status Invalid(const std::string& origin, const std::string& what) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", origin, what));
}

bool IsWildcard(std::string_view prefix) { return prefix.starts_with("*."); }

// Whether `name` (domain/path) falls under `prefix` at a path-component boundary.
bool PrefixMatches(std::string_view prefix, std::string_view name) {
  if (IsWildcard(prefix)) {
    const std::string_view domain = name.substr(0, name.find('/'));
    return domain.ends_with(prefix.substr(1));
  }
  return name == prefix || (name.starts_with(prefix) && name[prefix.size()] == '/');
}

// `reference` with `prefix` of its name replaced by `location`.
absl::StatusOr<Reference> Rewrite(const Reference& reference, const std::string& prefix,
                                  const std::string& location) {
  const std::string name = reference.Name();
  const std::string rest = IsWildcard(prefix) ? "" : name.substr(prefix.size());
  std::string text = (location.empty() ? name : location + rest);
  if (!reference.tag.empty()) text += ":" + reference.tag;
  if (!reference.digest.empty()) text += "@" + reference.digest;
  return ParseQualified(text);
}

bool MirrorApplies(const RegistryMirror& mirror, const Reference& reference) {
  if (mirror.pull_from_mirror == "digest-only") return !reference.digest.empty();
  if (mirror.pull_from_mirror == "tag-only") return reference.digest.empty();
  return true;
}

template <typename T>
absl::StatusOr<T> Field(const toml::table& table, std::string_view key, T fallback,
                        const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  if (const auto value = node->value<T>()) return *value;
  return Invalid(where, fmt::format("\"{}\" has the wrong type", key));
}

absl::StatusOr<RegistryMirror> ParseMirror(const toml::table& table, const std::string& where) {
  RegistryMirror mirror;
  auto location = Field<std::string>(table, "location", "", where);
  auto insecure = Field<bool>(table, "insecure", false, where);
  auto pull_from = Field<std::string>(table, "pull-from-mirror", "all", where);
  if (!location.ok()) return location.status();
  if (!insecure.ok()) return insecure.status();
  if (!pull_from.ok()) return pull_from.status();
  if (location->empty()) return Invalid(where, "[[registry.mirror]] without a location");
  if (*pull_from != "all" && *pull_from != "digest-only" && *pull_from != "tag-only") {
    return Invalid(where, fmt::format("pull-from-mirror = \"{}\" (allowed: all, digest-only, "
                                      "tag-only)",
                                      *pull_from));
  }
  mirror.location = *location;
  mirror.insecure = *insecure;
  mirror.pull_from_mirror = *pull_from;
  return mirror;
}

absl::StatusOr<Registry> ParseRegistry(const toml::table& table, const std::string& origin) {
  Registry registry;
  auto prefix = Field<std::string>(table, "prefix", "", origin);
  auto location = Field<std::string>(table, "location", "", origin);
  auto insecure = Field<bool>(table, "insecure", false, origin);
  auto blocked = Field<bool>(table, "blocked", false, origin);
  for (const absl::Status& status :
       {prefix.status(), location.status(), insecure.status(), blocked.status()}) {
    if (!status.ok()) return status;
  }
  registry.prefix = prefix->empty() ? *location : *prefix;
  registry.location = *location;
  registry.insecure = *insecure;
  registry.blocked = *blocked;
  if (registry.prefix.empty()) return Invalid(origin, "[[registry]] needs a prefix or a location");
  if (IsWildcard(registry.prefix) && !registry.location.empty()) {
    return Invalid(origin, fmt::format("[[registry]] prefix \"{}\": a wildcard prefix cannot "
                                       "have a location",
                                       registry.prefix));
  }
  const std::string where = fmt::format("{}: [[registry]] prefix \"{}\"", origin, registry.prefix);
  if (const toml::node* mirrors = table.get("mirror")) {
    const toml::array* list = mirrors->as_array();
    if (list == nullptr) return Invalid(where, "mirror must be an array of tables");
    for (const toml::node& item : *list) {
      if (!item.is_table()) return Invalid(where, "mirror must be an array of tables");
      auto mirror = ParseMirror(*item.as_table(), where);
      if (!mirror.ok()) return mirror.status();
      registry.mirrors.push_back(std::move(*mirror));
    }
  }
  return registry;
}

}  // namespace

Registries::Registries() : search_({"docker.io"}) {}

absl::StatusOr<Registries> Registries::Load(const std::string& file, const std::string& dir) {
  Registries registries;
  std::vector<std::string> files;
  std::error_code error;
  if (fs::exists(file, error)) files.push_back(file);
  std::vector<std::string> drop_ins;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".conf") drop_ins.push_back(entry.path().string());
  }
  std::sort(drop_ins.begin(), drop_ins.end());
  files.insert(files.end(), drop_ins.begin(), drop_ins.end());
  for (const std::string& path : files) {
    auto text = ReadFileToString(path);
    if (!text.ok()) return text.status();
    if (auto applied = registries.Apply(*text, path); !applied.ok()) return applied;
    registries.loaded_from_disk_ = true;
  }
  return registries;
}

absl::Status Registries::Apply(const std::string& toml_text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& error) {
    return Invalid(origin, fmt::format("line {}: {}", error.source().begin.line,
                                       std::string(error.description())));
  }
  if (root.contains("registries")) {
    return Invalid(origin, "the version 1 format ([registries.search]) is not supported");
  }
  if (const toml::node* search = root.get("unqualified-search-registries")) {
    const toml::array* list = search->as_array();
    if (list == nullptr) return Invalid(origin, "unqualified-search-registries must be a list");
    search_.clear();
    for (const toml::node& item : *list) {
      if (!item.is_string())
        return Invalid(origin, "unqualified-search-registries must be strings");
      search_.push_back(item.as_string()->get());
    }
  }
  if (const toml::node* mode = root.get("short-name-mode")) {
    const std::optional<std::string> value = mode->value<std::string>();
    if (!value || (*value != "enforcing" && *value != "permissive" && *value != "disabled")) {
      return Invalid(origin,
                     "short-name-mode must be \"enforcing\", \"permissive\" or \"disabled\"");
    }
    short_name_mode_ = *value;
  }
  if (const toml::node* list = root.get("registry")) {
    if (!list->is_array()) return Invalid(origin, "[[registry]] must be an array of tables");
    for (const toml::node& item : *list->as_array()) {
      if (!item.is_table()) return Invalid(origin, "[[registry]] must be an array of tables");
      auto registry = ParseRegistry(*item.as_table(), origin);
      if (!registry.ok()) return registry.status();
      std::erase_if(registries_, [&](const Registry& r) { return r.prefix == registry->prefix; });
      registries_.push_back(std::move(*registry));
    }
  }
  if (const toml::node* aliases = root.get("aliases")) {
    if (!aliases->is_table()) return Invalid(origin, "[aliases] must be a table");
    for (const auto& [name, value] : *aliases->as_table()) {
      const std::string key(name.str());
      if (!value.is_string() || !IsShortName(key)) {
        return Invalid(origin, fmt::format("alias \"{}\": must map a short name to a string", key));
      }
      const std::string target = value.as_string()->get();
      auto parsed = ParseQualified(target);
      if (!parsed.ok() || target.find_first_of("@") != std::string::npos ||
          parsed->Name() != target) {
        return Invalid(origin, fmt::format("alias \"{}\" = \"{}\": must be a qualified name "
                                           "without tag or digest",
                                           key, target));
      }
      aliases_[key] = target;
    }
  }
  return absl::OkStatus();
}

const Registry* Registries::Match(const std::string& name) const {
  const Registry* best = nullptr;
  for (const Registry& registry : registries_) {
    if (!PrefixMatches(registry.prefix, name)) continue;
    // Exact prefixes beat wildcards; among each kind, the longest wins.
    const auto rank = [](const Registry& r) {
      return std::pair(!IsWildcard(r.prefix), r.prefix.size());
    };
    if (best == nullptr || rank(registry) > rank(*best)) best = &registry;
  }
  return best;
}

absl::StatusOr<std::vector<PullSource>> Registries::Resolve(const Reference& reference) const {
  const Registry* registry = Match(reference.Name());
  if (registry == nullptr) {
    return std::vector<PullSource>{{reference, InsecureDomain(reference.domain), false}};
  }
  if (registry->blocked) {
    return absl::FailedPreconditionError(
        fmt::format("pull {}: registry \"{}\" is blocked in registries.conf", reference.String(),
                    registry->prefix));
  }
  std::vector<PullSource> sources;
  for (const RegistryMirror& mirror : registry->mirrors) {
    if (!MirrorApplies(mirror, reference)) continue;
    auto rewritten = Rewrite(reference, registry->prefix, mirror.location);
    if (!rewritten.ok()) return rewritten.status();
    const bool insecure = mirror.insecure || InsecureDomain(rewritten->domain);
    sources.push_back({std::move(*rewritten), insecure, true});
  }
  auto primary = Rewrite(reference, registry->prefix, registry->location);
  if (!primary.ok()) return primary.status();
  const bool insecure = registry->insecure || InsecureDomain(primary->domain);
  sources.push_back({std::move(*primary), insecure, false});
  return sources;
}

absl::Status Registries::AddInsecure(const std::vector<std::string>& entries) {
  std::vector<std::string> all = entries;
  all.push_back("127.0.0.0/8");
  for (const std::string& entry : all) {
    const size_t slash = entry.find('/');
    if (slash == std::string::npos) {
      insecure_domains_.push_back(entry);
      continue;
    }
    Network network;
    const std::string address = entry.substr(0, slash);
    network.family = address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    const uint64_t bits = network.family == AF_INET ? 32 : 128;
    const auto prefix = ParseDecimal(entry.substr(slash + 1));
    if (::inet_pton(network.family, address.c_str(), network.address) != 1 || !prefix ||
        *prefix > bits) {
      return absl::InvalidArgumentError(
          fmt::format("insecure_registries: \"{}\" is neither a registry nor a CIDR", entry));
    }
    network.prefix = static_cast<int>(*prefix);
    insecure_networks_.push_back(network);
  }
  return absl::OkStatus();
}

bool Registries::InsecureDomain(const std::string& domain) const {
  if (std::find(insecure_domains_.begin(), insecure_domains_.end(), domain) !=
      insecure_domains_.end()) {
    return true;
  }
  // The host without its port (and an IPv6 literal without its brackets).
  std::string host = domain;
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (host.find(':') != std::string::npos) {
    host = host.substr(0, host.find(':'));
  }
  if (std::find(insecure_domains_.begin(), insecure_domains_.end(), host) !=
      insecure_domains_.end()) {
    return true;
  }
  if (host == "localhost") host = "127.0.0.1";
  for (const Network& network : insecure_networks_) {
    unsigned char address[16] = {};
    if (::inet_pton(network.family, host.c_str(), address) != 1) continue;
    int bits = network.prefix;
    bool inside = true;
    for (int i = 0; bits > 0 && inside; ++i, bits -= 8) {
      const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
      inside = (address[i] & mask) == (network.address[i] & mask);
    }
    if (inside) return true;
  }
  return false;
}

absl::StatusOr<std::vector<Reference>> Registries::ShortNameCandidates(
    std::string_view short_name, std::string_view mode) const {
  if (!IsShortName(short_name)) {
    return absl::InvalidArgumentError(fmt::format("\"{}\" is not a short name", short_name));
  }
  const size_t suffix_at = short_name.find_first_of(":@");
  const std::string name(short_name.substr(0, suffix_at));
  const std::string suffix(suffix_at == std::string_view::npos ? "" : short_name.substr(suffix_at));
  if (const auto alias = aliases_.find(name); alias != aliases_.end()) {
    auto reference = ParseQualified(alias->second + suffix);
    if (!reference.ok()) return reference.status();
    return std::vector<Reference>{*reference};
  }
  if (search_.empty()) {
    return absl::FailedPreconditionError(
        fmt::format("short name \"{}\" has no alias and registries.conf lists no "
                    "unqualified-search-registries",
                    short_name));
  }
  const std::string_view effective =
      !mode.empty() ? mode : (short_name_mode_.empty() ? "permissive" : short_name_mode_);
  if (effective == "enforcing" && search_.size() > 1) {
    return absl::FailedPreconditionError(fmt::format(
        "short name mode is enforcing, but image name {} returns ambiguous list ({}): use a "
        "fully qualified name or an alias",
        short_name, fmt::join(search_, ", ")));
  }
  std::vector<Reference> candidates;
  for (const std::string& registry : search_) {
    auto reference = ParseWithDefaultDomain(short_name, registry);
    if (!reference.ok()) return reference.status();
    candidates.push_back(std::move(*reference));
  }
  return candidates;
}

}  // namespace crio::image
