// Loading crio's configuration: defaults, then containers/storage's storage.conf for the
// storage keys (storage_conf.h), then the main file, then the drop-in directory's
// *.conf files in lexical order, then command-line flags; each later source overrides only
// the keys it sets. Unknown keys and tables become warnings; an invalid value is an error
// naming the file (or flag), the table and key, and the allowed values. Loading reads files
// and never writes anything.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "config/storage_conf.h"

namespace crio::config {

class FlagSet;

struct Sources {
  // Empty ("--config ''", "--config-dir ''"): none, as CRI-O takes them.
  std::string config_file = "/etc/crio/crio.conf";
  std::string config_dir = "/etc/crio/crio.conf.d";
  // Set when the operator named config_file: then it must exist.
  bool config_file_required = false;
  // containers/storage's configuration; empty: none.
  std::string storage_conf = StorageConfPath();
};

struct Loaded {
  Config config;
  std::vector<std::string> warnings;
};

// An invalid value's error names where it was (file, table, key) and the problem; the
// problem alone, in CRI-O's words ("not a valid logrus Level: \"x\""), is `status`'s
// payload under this type URL, for messages that lead with it as CRI-O's do.
inline constexpr char kProblemPayload[] = "crio.config/problem";
// The problem `status` carries, or its whole message.
std::string Problem(const absl::Status& status);

// What a key is when nothing sets it: the built-in value, or for the storage keys
// storage.conf's, as CRI-O's defaults take them.
absl::StatusOr<Config> Defaults(const Sources& sources);

// `flags` may be null (no command line).
absl::StatusOr<Loaded> Load(const Sources& sources, const FlagSet* flags);

// Applies one TOML document (`origin` names it in messages) on top of `config`.
absl::Status ApplyToml(const std::string& text, const std::string& origin, Config& config,
                       std::vector<std::string>& warnings);

// Cross-key checks after every source is applied; may adjust values with a warning, as
// CRI-O does (ctr_stop_timeout below 30 becomes 30).
absl::Status Validate(Config& config, std::vector<std::string>& warnings);

}  // namespace crio::config
