// The files by which crio tells, at start-up, what happened since it last ran (CRI-O's
// version files and clean-shutdown marker):
//   version_file (on tmpfs: gone after a reboot) and version_file_persist hold crio's
//   version as a JSON string; a missing file or another major.minor means a reboot (or an
//   upgrade), after which crio wipe, or crio itself with internal_wipe, removes the pods.
//   clean_shutdown_file is created by a graceful shutdown and removed at start; its
//   ".supported" sibling says the marker is in use, so a missing marker means a crash.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace crio {

// Whether `path` (a version file) is missing or names another major.minor than `version`.
// An empty path never changes.
bool VersionChanged(const std::string& path, const std::string& version);

// Writes `version` to `path` as a JSON string, atomically; nothing for an empty path.
absl::Status WriteVersionFile(const std::string& path, const std::string& version);

// True when the last crio using `marker` did not shut down gracefully.
bool UncleanShutdown(const std::string& marker);

// At start: removes `marker` and records that it is in use.
absl::Status MarkRunning(const std::string& marker);

// At a graceful shutdown: flushes the storage under `root` to disk, then creates `marker`.
absl::Status MarkCleanShutdown(const std::string& marker, const std::string& root);

}  // namespace crio
