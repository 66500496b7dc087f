// OCI hooks from hooks.d directories (oci-hooks(5), version 1.0.0, and the older unversioned
// "0.1.0" format, read as the 1.0.0 hook it stands for): JSON files naming a program, the
// lifecycle stages to run it at, and `when` conditions (always, annotations, commands,
// hasBindMounts — all given ones must match, or any one with "or"). A file in a later directory
// masks one of the same name in an earlier directory. Loading reads the dirs; matching is pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace crio::container {

struct Hook {
  std::string file;     // where it was defined, for messages
  nlohmann::json hook;  // the OCI hook: path, args, env, timeout
  std::vector<std::string> stages;
  nlohmann::json when;
};

// Every valid hook in `dirs`; files that do not parse are reported in `skipped`.
std::vector<Hook> LoadHooks(const std::vector<std::string>& dirs,
                            std::vector<std::string>* skipped);

// Adds the hooks whose conditions match the container to spec["hooks"][stage].
void InjectHooks(const std::vector<Hook>& hooks, nlohmann::json& spec);

}  // namespace crio::container
