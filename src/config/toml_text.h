// Parsing TOML text (crio.conf and its drop-ins, storage.conf) with errors that name the
// file, line and column.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "toml++/toml.h"

namespace crio::config {

// The document `text`, read from `origin`; INVALID_ARGUMENT "ORIGIN:LINE:COLUMN: invalid
// TOML: …" when it is not TOML.
absl::StatusOr<toml::table> ParseToml(const std::string& text, const std::string& origin);

}  // namespace crio::config
