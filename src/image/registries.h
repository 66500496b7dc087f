// registries.conf (containers-registries.conf(5), version 2): where images are pulled from.
//
// Registries::Load reads /etc/containers/registries.conf and registries.conf.d/*.conf (in
// lexical order; a later [[registry]] with the same prefix replaces an earlier one, aliases
// merge, a later unqualified-search-registries replaces the list). Without any file the
// built-in default applies: docker.io as the only search registry.
//
// Resolve() turns a qualified reference into the places to pull it from: the mirrors of the
// best-matching [[registry]] in order, then the registry itself (its location replacing the
// prefix). ShortNameCandidates() turns a short name into qualified references, through
// [aliases] first, then the search registries. Immutable after Load; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "image/reference.h"

namespace crio::image {

struct RegistryMirror {
  std::string location;
  bool insecure = false;
  std::string pull_from_mirror = "all";  // "all", "digest-only" or "tag-only"
};

struct Registry {
  std::string prefix;    // what references it applies to; "*.example.com" wildcards allowed
  std::string location;  // where they are pulled from; empty: the prefix itself
  bool insecure = false;
  bool blocked = false;
  std::vector<RegistryMirror> mirrors;
};

// One place to try: the reference as that registry knows it, and whether TLS is optional.
struct PullSource {
  Reference reference;
  bool insecure = false;
  bool mirror = false;
};

class Registries {
 public:
  // The built-in default: docker.io as the only search registry, nothing else.
  Registries();

  // Reads `file` (optional) and the *.conf files of `dir` (optional).
  static absl::StatusOr<Registries> Load(const std::string& file, const std::string& dir);
  // Applies one document on top of this configuration; `origin` names it in errors.
  absl::Status Apply(const std::string& toml, const std::string& origin);

  // FAILED_PRECONDITION when the registry is blocked.
  absl::StatusOr<std::vector<PullSource>> Resolve(const Reference& reference) const;

  // crio.conf's insecure_registries, as CRI-O takes them: each "host[:port]" is a registry
  // and each CIDR a network (of IP-literal registry hosts) pulled from without verifying
  // TLS, on top of registries.conf's insecure ones; loopback (127.0.0.0/8) always is.
  // INVALID_ARGUMENT for a CIDR that does not parse.
  absl::Status AddInsecure(const std::vector<std::string>& entries);

  // Qualified references for a short name: its alias, or one per search registry, in order.
  // `mode` ("enforcing", "permissive", "disabled"; empty: registries.conf's short-name-mode,
  // else permissive): enforcing refuses a short name without an alias that more than one
  // search registry could serve, since a daemon cannot ask which one was meant.
  absl::StatusOr<std::vector<Reference>> ShortNameCandidates(std::string_view short_name,
                                                             std::string_view mode = "") const;

  const std::vector<std::string>& search_registries() const { return search_; }
  bool loaded_from_disk() const { return loaded_from_disk_; }

 private:
  const Registry* Match(const std::string& name) const;
  // Whether AddInsecure's entries cover `domain` ("host", "host:port", "[v6]:port").
  bool InsecureDomain(const std::string& domain) const;

  struct Network {
    int family = 0;
    unsigned char address[16] = {};
    int prefix = 0;
  };

  std::vector<std::string> search_;
  std::vector<Registry> registries_;
  std::map<std::string, std::string> aliases_;
  std::string short_name_mode_;  // registries.conf's; empty when unset
  bool loaded_from_disk_ = false;
  std::vector<std::string> insecure_domains_;
  std::vector<Network> insecure_networks_;
};

// The registries.conf in use, replaceable on SIGHUP. Readers take a snapshot per operation,
// so one pull sees one configuration throughout. Thread-safe.
class LiveRegistries {
 public:
  explicit LiveRegistries(Registries initial)
      : current_(std::make_shared<const Registries>(std::move(initial))) {}

  std::shared_ptr<const Registries> Snapshot() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Replace(Registries fresh) {
    auto next = std::make_shared<const Registries>(std::move(fresh));
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Registries> current_;
};

}  // namespace crio::image
