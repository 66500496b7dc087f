// Writing files so that readers see the old content or the new, never a mix: write a
// temporary file beside the target, fsync it, rename it over the target, fsync the dir.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace crio {

absl::Status WriteFileAtomically(const std::string& path, std::string_view content,
                                 int mode = 0600);

}  // namespace crio
