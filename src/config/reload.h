// SIGHUP reload: which options may change in a running crio, and applying them.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace crio::config {

// Copies the reloadable options of `fresh` into `live` (log_level, log_format, pause_image,
// pause_image_auth_file, pause_command, pinned_images, seccomp_profile, apparmor_profile,
// default_runtime and the runtime handlers) and returns one line per change, e.g.
// `set config log_level to "debug"`. Other options keep their start-up values.
std::vector<std::string> ApplyReload(Config& live, const Config& fresh);

}  // namespace crio::config
