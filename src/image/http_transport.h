// HttpTransport: the one seam between the registry client and the network, so the client
// is tested against scripted responses and crio runs it over libcurl.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::image {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  // TLS: verify the server against the system CAs plus the *.crt files of `ca_dir`
  // (/etc/containers/certs.d/HOST); `verify_tls = false` only for insecure registries.
  bool verify_tls = true;
  std::string ca_dir;
  size_t max_body_bytes = 4 << 20;  // when buffering into HttpResponse::body
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; the last value wins
  std::string body;                            // empty when a sink took the body
};

// Receives a body chunk by chunk; a non-OK status aborts the transfer.
using BodySink = std::function<absl::Status(std::string_view chunk)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // GETs `request.url`, following redirects. With a sink, a 2xx body streams into it;
  // other bodies are buffered (bounded) for error messages. Network failures are
  // UNAVAILABLE; a body over the limit is RESOURCE_EXHAUSTED.
  virtual absl::StatusOr<HttpResponse> Get(const HttpRequest& request, const BodySink* sink) = 0;
};

}  // namespace crio::image
