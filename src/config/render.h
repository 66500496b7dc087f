// Rendering a Config for people and programs: `crio config` and GET /config print it as
// commented TOML (which Load reads back to an equal Config); CRI Status verbose info carries
// it as JSON.
#pragma once

#include <string>

#include "config/config.h"
#include "nlohmann/json.hpp"

namespace crio::config {

// Commented TOML with every key, deterministic.
std::string Render(const Config& config);

// Nested objects mirroring the TOML tables: {"crio": {"root": ..., "api": {...}, ...}}.
nlohmann::json ToJson(const Config& config);

}  // namespace crio::config
