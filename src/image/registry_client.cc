#include "image/registry_client.h"

#include <cctype>

#include "common/strings.h"
#include "fmt/format.h"
#include "image/digest.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxManifestBytes = 4 << 20;
constexpr size_t kMaxErrorBytes = 64 << 10;
constexpr size_t kMaxTokenBytes = 1 << 20;

// The registry's own explanation from an error body ({"errors":[{"code","message"}]}).
std::string RegistryErrorText(const std::string& body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("errors") || !parsed["errors"].is_array() ||
      parsed["errors"].empty()) {
    return body.substr(0, 200);
  }
  const auto& first = parsed["errors"][0];
  return fmt::format("{}: {}", first.value("code", "UNKNOWN"), first.value("message", ""));
}

absl::Status StatusFor(const HttpResponse& response, std::string_view what) {
  const std::string detail = RegistryErrorText(response.body);
  const std::string message =
      fmt::format("{}: HTTP {}{}{}", what, response.status, detail.empty() ? "" : ": ", detail);
  switch (response.status) {
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 429:
      return absl::ResourceExhaustedError(message);
    default:
      return response.status >= 500 ? absl::UnavailableError(message) : absl::UnknownError(message);
  }
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string PullScope(const Reference& reference) {
  return fmt::format("repository:{}:pull", reference.path);
}

}  // namespace

std::string RegistryHost(std::string_view domain) {
  return domain == "docker.io" ? "registry-1.docker.io" : std::string(domain);
}

absl::StatusOr<HttpResponse> RegistryClient::GetOnce(const PullSource& source,
                                                     const std::string& url_path,
                                                     const Headers& headers, const BodySink* sink,
                                                     size_t max_body_bytes) {
  const std::string host = RegistryHost(source.reference.domain);
  HttpRequest request{.url = fmt::format("https://{}{}", host, url_path),
                      .headers = headers,
                      .verify_tls = !source.insecure,
                      .ca_dir = fmt::format("{}/{}", certs_dir_, source.reference.domain),
                      .max_body_bytes = max_body_bytes};
  if (!source.insecure) return http_.Get(request, sink);
  // Insecure: HTTPS without verification first, then plain HTTP if HTTPS could not even
  // start (nothing reached the sink, so nothing is delivered twice).
  bool delivered = false;
  const BodySink tracking = [&](std::string_view chunk) {
    delivered = true;
    return (*sink)(chunk);
  };
  auto response = http_.Get(request, sink != nullptr ? &tracking : nullptr);
  if (response.ok() || delivered || response.status().code() != absl::StatusCode::kUnavailable) {
    return response;
  }
  request.url = fmt::format("http://{}{}", host, url_path);
  return http_.Get(request, sink);
}

absl::StatusOr<std::string> RegistryClient::FetchToken(const PullSource& source,
                                                       const Challenge& challenge,
                                                       const Credentials& credentials) {
  const auto realm = challenge.params.find("realm");
  if (realm == challenge.params.end() || realm->second.empty()) {
    return absl::UnauthenticatedError("bearer challenge without a realm");
  }
  const auto scope = challenge.params.find("scope");
  std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
  if (const auto service = challenge.params.find("service"); service != challenge.params.end()) {
    url += "service=" + UrlEncode(service->second) + "&";
  }
  url += "scope=" +
         UrlEncode(scope != challenge.params.end() ? scope->second : PullScope(source.reference));
  Headers headers;
  if (!credentials.username.empty()) {
    headers.emplace_back("Authorization", "Basic " + Base64Encode(credentials.username + ":" +
                                                                  credentials.password));
  }
  auto response = http_.Get(HttpRequest{.url = url,
                                        .headers = headers,
                                        .verify_tls = !source.insecure,
                                        .ca_dir = "",
                                        .max_body_bytes = kMaxTokenBytes},
                            nullptr);
  if (!response.ok()) return response.status();
  if (response->status != 200) return StatusFor(*response, "fetch registry token");
  const auto parsed = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  for (const char* key : {"token", "access_token"}) {
    if (parsed.is_object() && parsed.contains(key) && parsed[key].is_string()) {
      return parsed[key].get<std::string>();
    }
  }
  return absl::UnauthenticatedError("the token endpoint answered without a token");
}

absl::StatusOr<HttpResponse> RegistryClient::Get(const PullSource& source, const std::string& path,
                                                 const std::string& accept,
                                                 const Credentials& credentials,
                                                 const BodySink* sink, size_t max_body_bytes) {
  const std::string url_path = fmt::format("/v2/{}/{}", source.reference.path, path);
  const std::string cache_key =
      fmt::format("{} {}", source.reference.domain, PullScope(source.reference));
  Headers headers;
  if (!accept.empty()) headers.emplace_back("Accept", accept);
  Headers authorized = headers;
  if (!credentials.registry_token.empty()) {
    authorized.emplace_back("Authorization", "Bearer " + credentials.registry_token);
  } else {
    std::lock_guard lock(mu_);
    if (const auto token = tokens_.find(cache_key); token != tokens_.end()) {
      authorized.emplace_back("Authorization", "Bearer " + token->second);
    }
  }
  auto response = GetOnce(source, url_path, authorized, sink, max_body_bytes);
  if (!response.ok() || response->status != 401) return response;

  auto challenge = ParseChallenge(response->headers["www-authenticate"]);
  if (!challenge.ok()) return StatusFor(*response, "authenticate");
  if (challenge->scheme == "basic") {
    if (credentials.username.empty()) return StatusFor(*response, "authenticate (no credentials)");
    headers.emplace_back("Authorization", "Basic " + Base64Encode(credentials.username + ":" +
                                                                  credentials.password));
  } else if (challenge->scheme == "bearer") {
    auto token = FetchToken(source, *challenge, credentials);
    if (!token.ok()) return token.status();
    {
      std::lock_guard lock(mu_);
      tokens_[cache_key] = *token;
    }
    headers.emplace_back("Authorization", "Bearer " + *token);
  } else {
    return StatusFor(*response,
                     fmt::format("authenticate (unsupported scheme {})", challenge->scheme));
  }
  return GetOnce(source, url_path, headers, sink, max_body_bytes);
}

absl::StatusOr<FetchedManifest> RegistryClient::FetchManifest(const PullSource& source,
                                                              const Credentials& credentials,
                                                              std::string_view digest) {
  const Reference& reference = source.reference;
  const std::string wanted = !digest.empty()             ? std::string(digest)
                             : !reference.digest.empty() ? reference.digest
                                                         : reference.tag;
  const std::string what = fmt::format("fetch manifest {}@{}", reference.Name(), wanted);
  auto response = Get(source, "manifests/" + wanted, ManifestAcceptHeader(), credentials, nullptr,
                      kMaxManifestBytes);
  if (!response.ok())
    return absl::Status(response.status().code(),
                        fmt::format("{}: {}", what, AsStd(response.status().message())));
  if (response->status != 200) return StatusFor(*response, what);
  FetchedManifest manifest{.body = std::move(response->body),
                           .content_type = response->headers["content-type"],
                           .digest = ""};
  manifest.digest = Sha256Digest(manifest.body);
  if (wanted.starts_with("sha256:") && manifest.digest != wanted) {
    return absl::DataLossError(fmt::format("{}: content has digest {}", what, manifest.digest));
  }
  return manifest;
}

absl::Status RegistryClient::FetchBlob(const PullSource& source, const Descriptor& blob,
                                       const Credentials& credentials, const BodySink& sink) {
  const std::string what = fmt::format("fetch blob {}@{}", source.reference.Name(), blob.digest);
  if (!blob.digest.starts_with("sha256:")) {
    return absl::UnimplementedError(fmt::format("{}: only sha256 digests are supported", what));
  }
  Sha256 hash;
  int64_t received = 0;
  const BodySink verifying = [&](std::string_view chunk) -> absl::Status {
    received += static_cast<int64_t>(chunk.size());
    if (received > blob.size) {
      return absl::DataLossError(
          fmt::format("{}: more than the {} bytes announced", what, blob.size));
    }
    hash.Update(chunk);
    return sink(chunk);
  };
  auto response = Get(source, "blobs/" + blob.digest, "", credentials, &verifying, kMaxErrorBytes);
  if (!response.ok())
    return absl::Status(response.status().code(),
                        fmt::format("{}: {}", what, AsStd(response.status().message())));
  if (response->status != 200) return StatusFor(*response, what);
  if (received != blob.size) {
    return absl::DataLossError(
        fmt::format("{}: got {} bytes, expected {}", what, received, blob.size));
  }
  if (const std::string actual = hash.Finish(); actual != blob.digest) {
    return absl::DataLossError(fmt::format("{}: content has digest {}", what, actual));
  }
  return absl::OkStatus();
}

}  // namespace crio::image
