#include "image/reference.h"

#include <algorithm>
#include <cctype>

#include "fmt/format.h"

namespace crio::image {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("invalid image reference \"{}\": {}", text, why));
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := "." | "_" | "__" | "-"+
bool IsPathComponent(std::string_view component) {
  if (component.empty() || !IsLowerAlnum(component.front()) || !IsLowerAlnum(component.back())) {
    return false;
  }
  for (size_t i = 0; i < component.size();) {
    if (IsLowerAlnum(component[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < component.size() && !IsLowerAlnum(component[end])) ++end;
    const std::string_view separator = component.substr(i, end - i);
    const bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (!(separator == "." || separator == "_" || separator == "__" || dashes)) return false;
    i = end;
  }
  return true;
}

// host := label ("." label)* | "[" IPv6 "]", then an optional ":port".
bool IsDomain(std::string_view domain) {
  std::string_view host = domain;
  if (const size_t colon = domain.rfind(':');
      colon != std::string_view::npos && domain.find(']', colon) == std::string_view::npos) {
    const std::string_view port = domain.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
    host = domain.substr(0, colon);
  }
  if (host.starts_with('[')) {
    return host.size() > 2 && host.back() == ']' &&
           host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") ==
               std::string_view::npos;
  }
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
    for (const char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}

bool IsTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) return false;
  if (!(IsAlnum(tag.front()) || tag.front() == '_')) return false;
  for (const char c : tag) {
    if (!(IsAlnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

// Parses "path[:tag][@digest]" after the domain has been split off.
absl::StatusOr<Reference> ParseRemainder(std::string_view text, std::string domain,
                                         std::string_view remainder) {
  Reference ref{.domain = std::move(domain), .path = "", .tag = "", .digest = ""};
  if (const size_t at = remainder.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(remainder.substr(at + 1));
    if (auto valid = ValidateDigest(ref.digest); !valid.ok()) {
      return Invalid(text, std::string(valid.message()));
    }
    remainder = remainder.substr(0, at);
  }
  if (const size_t colon = remainder.rfind(':');
      colon != std::string_view::npos && remainder.find('/', colon) == std::string_view::npos) {
    ref.tag = std::string(remainder.substr(colon + 1));
    if (!IsTag(ref.tag)) return Invalid(text, fmt::format("invalid tag \"{}\"", ref.tag));
    remainder = remainder.substr(0, colon);
  }
  size_t start = 0;
  while (start <= remainder.size()) {
    size_t slash = remainder.find('/', start);
    if (slash == std::string_view::npos) slash = remainder.size();
    const std::string_view component = remainder.substr(start, slash - start);
    if (!IsPathComponent(component)) {
      const bool upper = std::any_of(component.begin(), component.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c));
      });
      return Invalid(text, upper ? "repository name must be lowercase"
                                 : fmt::format("invalid path component \"{}\"", component));
    }
    start = slash + 1;
  }
  ref.path = std::string(remainder);
  if (ref.Name().size() > kMaxNameLength) {
    return Invalid(text, fmt::format("name longer than {} characters", kMaxNameLength));
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string_view FirstComponent(std::string_view text) { return text.substr(0, text.find('/')); }

}  // namespace

std::string Reference::Name() const { return domain + "/" + path; }

std::vector<std::string> Reference::NameScopes() const {
  std::vector<std::string> scopes;
  for (std::string scope = Name();;) {
    scopes.push_back(scope);
    const size_t slash = scope.rfind('/');
    if (slash == std::string::npos) break;
    scope.resize(slash);
  }
  return scopes;
}

std::string Reference::String() const {
  std::string out = Name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

bool IsShortName(std::string_view text) {
  if (text.find('/') == std::string_view::npos) return true;
  const std::string_view first = FirstComponent(text);
  return first.find_first_of(".:") == std::string_view::npos && first != "localhost";
}

absl::StatusOr<Reference> ParseQualified(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty");
  if (IsShortName(text)) {
    return Invalid(text, "no registry named (short names are resolved through registries.conf)");
  }
  std::string domain(FirstComponent(text));
  if (!IsDomain(domain)) return Invalid(text, fmt::format("invalid registry \"{}\"", domain));
  if (domain == "index.docker.io") domain = "docker.io";
  return ParseRemainder(text, std::move(domain), text.substr(text.find('/') + 1));
}

absl::StatusOr<Reference> ParseWithDefaultDomain(std::string_view text, std::string_view domain) {
  if (!IsShortName(text)) return ParseQualified(text);
  if (text.empty()) return Invalid(text, "empty");
  std::string remainder(text);
  if (domain == "docker.io" && remainder.find('/') == std::string::npos) {
    remainder = "library/" + remainder;
  }
  return ParseQualified(fmt::format("{}/{}", domain, remainder));
}

absl::Status ValidateDigest(std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(fmt::format("invalid digest \"{}\"", digest));
  }
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  const bool lower_hex = hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (algorithm == "sha256" && (hex.size() != 64 || !lower_hex)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid digest \"{}\": sha256 needs 64 lowercase hex digits", digest));
  }
  if (algorithm == "sha512" && (hex.size() != 128 || !lower_hex)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid digest \"{}\": sha512 needs 128 lowercase hex digits", digest));
  }
  if (hex.size() < 32 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos ||
      !std::isalpha(static_cast<unsigned char>(algorithm.front()))) {
    return absl::InvalidArgumentError(fmt::format("invalid digest \"{}\"", digest));
  }
  return absl::OkStatus();
}

}  // namespace crio::image
