// Small string helpers shared across crio.
//
// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view), so Status messages need an explicit bridge.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace crio {

// `text` as a double-quoted string with \" \\ \n \r \t and \u00XX escapes: valid as a
// TOML basic string and as a JSON string, and one line in a log.
std::string Quote(std::string_view text);

inline std::string_view AsStd(absl::string_view text) { return {text.data(), text.size()}; }

// ASCII helpers on std::string_view (Debian's Abseil has a string_view of its own).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view text);
std::string ToUpper(std::string_view text);
std::string_view TrimSpace(std::string_view text);
// The non-empty parts of `text` between `separator`s, trimmed of spaces.
std::vector<std::string_view> SplitTrimmed(std::string_view text, char separator);

}  // namespace crio
