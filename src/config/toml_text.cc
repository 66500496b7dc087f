#include "config/toml_text.h"

#include "fmt/format.h"

namespace crio::config {

absl::StatusOr<toml::table> ParseToml(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(
        fmt::format("unable to decode configuration {}: line {}, column {}: invalid TOML: {}",
                    origin, error.source().begin.line, error.source().begin.column,
                    std::string(error.description())));
  }
}

}  // namespace crio::config
