// The operator's queries of a running crio's status API, printed as CRI-O prints them:
// shared by `crio status` and `crio-status` (CRI-O 1.26's separate binary).
#pragma once

#include <ostream>
#include <string>

namespace crio::status {

enum class Query {
  kConfig,      // the running configuration, TOML
  kInfo,        // cgroup and storage drivers, default ID mappings (status_text.h)
  kContainer,   // one container's details (status_text.h)
  kGoroutines,  // every thread's stack (CRI-O: goroutines), text
};

// Prints the answer to `query` on `out` and returns 0; on failure prints the error on
// `err` and returns 1. `container_id` is for kContainer: empty is an error, as in CRI-O.
int PrintQuery(const std::string& socket, Query query, const std::string& container_id,
               std::ostream& out, std::ostream& err);

// `crio status heap`: fetches the heap statistics and writes them to `file` ("-": `out`;
// empty: crio-heap-TIMESTAMP.out in the working directory, as CRI-O names its heap dump),
// logging where. Returns 0, or 1 with the error on `err`.
int WriteHeap(const std::string& socket, const std::string& file, std::ostream& out,
              std::ostream& err);

// CRI-O's default name for `crio status heap`'s file: crio-heap-2026-12-08T101500Z.out.
std::string DefaultHeapFile();

}  // namespace crio::status
