#include "image/auth.h"

#include <openssl/evp.h>

#include <cctype>
#include <filesystem>

#include "common/read_file.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using nlohmann::json;

constexpr size_t kMaxAuthFileBytes = 4 << 20;

absl::StatusOr<Credentials> DecodeAuth(std::string_view auth) {
  const std::optional<std::string> decoded = Base64Decode(auth);
  const size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("auth must be base64 of \"username:password\"");
  }
  return Credentials{.username = decoded->substr(0, colon),
                     .password = decoded->substr(colon + 1),
                     .identity_token = "",
                     .registry_token = ""};
}

// "https://index.docker.io/v1/" and "http://host/" keys name their host.
std::string NormalizeKey(std::string key) {
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key = key.substr(scheme.size());
      key = key.substr(0, key.find('/'));
    }
  }
  while (key.ends_with('/')) key.pop_back();
  if (key == "index.docker.io" || key == "registry-1.docker.io") key = "docker.io";
  return key;
}

void SkipSpaces(std::string_view& text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
}

// One auth-param: token "=" ( token / quoted-string ).
bool TakeParam(std::string_view& text, std::string& key, std::string& value) {
  SkipSpaces(text);
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) return false;
  key = std::string(text.substr(0, equals));
  while (!key.empty() && key.back() == ' ') key.pop_back();
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  text.remove_prefix(equals + 1);
  SkipSpaces(text);
  value.clear();
  if (!text.empty() && text.front() == '"') {
    text.remove_prefix(1);
    while (!text.empty() && text.front() != '"') {
      if (text.front() == '\\' && text.size() > 1) text.remove_prefix(1);
      value += text.front();
      text.remove_prefix(1);
    }
    if (text.empty()) return false;  // unterminated
    text.remove_prefix(1);
  } else {
    const size_t end = text.find(',');
    value = std::string(text.substr(0, end));
    while (!value.empty() && value.back() == ' ') value.pop_back();
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  SkipSpaces(text);
  if (!text.empty()) {
    if (text.front() != ',') return false;
    text.remove_prefix(1);
  }
  return true;
}

}  // namespace

absl::StatusOr<Credentials> FromAuthConfig(const std::string& username, const std::string& password,
                                           const std::string& auth,
                                           const std::string& identity_token,
                                           const std::string& registry_token) {
  Credentials credentials{username, password, identity_token, registry_token};
  if (!auth.empty()) {
    auto decoded = DecodeAuth(auth);
    if (!decoded.ok()) return decoded.status();
    credentials.username = decoded->username;
    credentials.password = decoded->password;
  }
  return credentials;
}

absl::StatusOr<AuthFile> AuthFile::Parse(const std::string& json_text, const std::string& origin) {
  const json parsed = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(fmt::format("{}: not a JSON object", origin));
  }
  AuthFile file;
  const auto auths = parsed.find("auths");
  if (auths == parsed.end()) return file;
  if (!auths->is_object()) {
    return absl::InvalidArgumentError(fmt::format("{}: \"auths\" must be an object", origin));
  }
  for (const auto& [key, entry] : auths->items()) {
    if (!entry.is_object()) continue;
    Credentials credentials;
    if (const auto auth = entry.find("auth"); auth != entry.end() && auth->is_string()) {
      auto decoded = DecodeAuth(auth->get<std::string>());
      if (!decoded.ok()) {
        return absl::InvalidArgumentError(fmt::format("{}: entry \"{}\": {}", origin, key,
                                                      std::string(decoded.status().message())));
      }
      credentials = *decoded;
    }
    if (const auto token = entry.find("identitytoken");
        token != entry.end() && token->is_string()) {
      credentials.identity_token = token->get<std::string>();
    }
    if (!credentials.empty()) file.entries_[NormalizeKey(key)] = credentials;
  }
  return file;
}

absl::StatusOr<AuthFile> AuthFile::Load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return AuthFile();
  auto text = ReadFileToString(path, kMaxAuthFileBytes);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

std::optional<Credentials> AuthFile::Find(const Reference& reference) const {
  for (std::string key = reference.Name();;) {
    if (const auto found = entries_.find(key); found != entries_.end()) return found->second;
    const size_t slash = key.rfind('/');
    if (slash == std::string::npos) return std::nullopt;
    key.resize(slash);
  }
}

absl::StatusOr<Challenge> ParseChallenge(std::string_view header) {
  SkipSpaces(header);
  const size_t space = header.find(' ');
  Challenge challenge;
  challenge.scheme = std::string(header.substr(0, space));
  for (char& c : challenge.scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (challenge.scheme.empty()) return absl::InvalidArgumentError("empty WWW-Authenticate header");
  std::string_view rest = space == std::string_view::npos ? "" : header.substr(space + 1);
  std::string key, value;
  while (!rest.empty()) {
    if (!TakeParam(rest, key, value)) {
      return absl::InvalidArgumentError(
          fmt::format("malformed WWW-Authenticate header \"{}\"", header));
    }
    challenge.params[key] = value;
  }
  return challenge;
}

}  // namespace crio::image
