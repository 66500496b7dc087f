// Default mounts (CRI-O's default_mounts_file; containers/common calls them subscriptions):
// host files and directories every container gets, listed one "HOST[:CONTAINER]" per line
// in a mounts.conf (lines not starting with "/" are skipped). Each host path that exists is
// copied, once, into the container's own run dir and that copy is bind-mounted at CONTAINER,
// read-write, so a container can neither see later host changes nor change the host's files.
// A host path that does not exist is skipped.
//
// Without default_mounts_file the first of /etc/containers/mounts.conf and
// /usr/share/containers/mounts.conf that exists is read, as CRI-O reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "spec/container_spec.h"

namespace crio::container {

struct DefaultMount {
  std::string host;
  std::string container;
};

// The entries of a mounts.conf text.
std::vector<DefaultMount> ParseMountsConf(std::string_view text);

// The mounts file in effect: `configured`, else the first of the default files that exists
// (empty when none does).
std::string MountsConfPath(const std::string& configured);

// Copies each existing host path of `entries` under `run_dir` (unless a copy is there from
// an earlier start) and returns the bind mounts of the copies.
absl::StatusOr<std::vector<spec::Mount>> DefaultMounts(const std::vector<DefaultMount>& entries,
                                                       const std::string& run_dir);

}  // namespace crio::container
