// CRI-O's documentation subcommands, generated from crio's own command line so they never
// drift from it: `crio complete|completion [bash|zsh|fish]` (CRI-O's scripts: the
// subcommands and global flags as words to complete), `crio markdown|md` (the command line
// as CRI-O's Markdown page lays it out) and `crio man` (the crio(8) page shipped in docs/,
// built into the binary).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace CLI {
class App;
}

namespace crio {

// The completion script for `shell` ("" is bash, as CRI-O's default); INVALID_ARGUMENT in
// CRI-O's words for another shell.
absl::StatusOr<std::string> CompletionScript(const CLI::App& app, std::string_view shell);

std::string MarkdownPage(const CLI::App& app);

// docs/crio.8 as built.
std::string_view ManPage();

}  // namespace crio
