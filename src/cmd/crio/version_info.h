// `crio version`: what this build is and what the host offers it.
#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace crio {

// CRI-O's `crio version --json`: its keys, in its order.
nlohmann::ordered_json VersionJson();

// The aligned "Key:  value" lines of `crio version`.
std::string VersionText();

}  // namespace crio
