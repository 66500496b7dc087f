// Standard base64 (RFC 4648, with padding), as auth files and CNI result caches use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crio {

std::string Base64Encode(std::string_view data);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace crio
