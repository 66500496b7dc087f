// Registry credentials and challenges.
//
// Credentials come from the CRI AuthConfig of a PullImage request or from an auth file in
// containers-auth.json(5) form ({"auths": {"registry.example.com": {"auth": "base64(user:pw)"}}}),
// looked up from the most specific key ("host/ns/repo") to the host (docker.io also answers
// to Docker's legacy "https://index.docker.io/v1/" key). Challenges are the registry's
// WWW-Authenticate headers (Basic or Bearer with realm, service and scope).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/base64.h"
#include "image/reference.h"

namespace crio::image {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // OAuth2 refresh token for the token endpoint
  std::string registry_token;  // bearer token to send as is

  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
  }
};

// Credentials from CRI's AuthConfig fields: "auth" (base64 "user:password") wins over
// username/password when set. INVALID_ARGUMENT when "auth" does not decode.
absl::StatusOr<Credentials> FromAuthConfig(const std::string& username, const std::string& password,
                                           const std::string& auth,
                                           const std::string& identity_token,
                                           const std::string& registry_token);

class AuthFile {
 public:
  static absl::StatusOr<AuthFile> Parse(const std::string& json_text, const std::string& origin);
  // Reads `path`; a missing file holds no credentials.
  static absl::StatusOr<AuthFile> Load(const std::string& path);

  // The credentials for `reference`, or nullopt.
  std::optional<Credentials> Find(const Reference& reference) const;

 private:
  std::map<std::string, Credentials> entries_;
};

struct Challenge {
  std::string scheme;                         // lowercase: "basic" or "bearer"
  std::map<std::string, std::string> params;  // realm, service, scope, error…
};

// Parses one WWW-Authenticate header value, e.g.
// Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a:pull"
absl::StatusOr<Challenge> ParseChallenge(std::string_view header);

}  // namespace crio::image
