// The operator's queries of a running crio's status API, printed as CRI-O prints them:
// shared by `crio status` and `crio-status` (CRI-O 1.26's separate binary).
#pragma once

#include <ostream>
#include <string>

namespace crio::status {

enum class Query {
  kConfig,     // the running configuration, TOML
  kInfo,       // cgroup and storage drivers, default ID mappings (status_text.h)
  kContainer,  // one container's details (status_text.h)
};

// Prints the answer to `query` on `out` and returns 0; on failure prints the error on
// `err` and returns 1. `container_id` is for kContainer: empty is an error, as in CRI-O.
int PrintQuery(const std::string& socket, Query query, const std::string& container_id,
               std::ostream& out, std::ostream& err);

}  // namespace crio::status
