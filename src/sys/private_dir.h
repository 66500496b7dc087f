// crio's state directories and files are root's alone: 0700 directories, 0600 files,
// whatever the umask and whoever created them first. A directory or file that already
// exists with looser modes is tightened (with a warning naming it); one owned by another
// user is refused, because crio cannot trust state someone else can change.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace crio::sys {

// Creates `path` and its missing parents (0700 for the ones created), then makes `path`
// itself 0700 and checks that crio's user owns it.
absl::Status MakePrivateDir(const std::string& path);

// Creates `path` empty (0600) if absent; otherwise tightens it to 0600 and checks that
// crio's user owns it. Never follows a symlink.
absl::Status MakePrivateFile(const std::string& path);

// MakePrivateFile's check and tightening for a file that may not exist (a database's
// journal): absent is fine.
absl::Status TightenIfPresent(const std::string& path);

}  // namespace crio::sys
