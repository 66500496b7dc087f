// Small string helpers shared across crio.
//
// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view), so Status messages need an explicit bridge.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace crio {

inline std::string_view AsStd(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace crio
