// Rendering a Config for people and programs: `crio config` and GET /config print it as
// commented TOML (which Load reads back to an equal Config); CRI Status verbose info carries
// it as JSON.
#pragma once

#include <string>

#include "config/config.h"
#include "nlohmann/json.hpp"

namespace crio::config {

// Commented TOML with every key, deterministic. With `defaults`, a key (or the whole set of
// runtime handlers) whose value equals its default is printed commented out, `# key = value`,
// as CRI-O's `crio config` does, so that only what was changed is set; without, every key is
// set (`crio config --default`, GET /config).
std::string Render(const Config& config, const Config* defaults = nullptr);

// Nested objects mirroring the TOML tables: {"crio": {"root": ..., "api": {...}, ...}}.
nlohmann::json ToJson(const Config& config);

}  // namespace crio::config
