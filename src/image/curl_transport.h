// CurlTransport: HttpTransport over libcurl (easy handles, one per request; thread-safe
// as long as curl_global_init ran, which the constructor ensures).
#pragma once

#include <chrono>

#include "image/http_transport.h"

namespace crio::image {

class CurlTransport final : public HttpTransport {
 public:
  struct Options {
    std::chrono::seconds connect_timeout{30};
    // A transfer slower than 1 byte/s for this long is aborted (pull_progress_timeout).
    std::chrono::seconds stall_timeout{0};
  };

  explicit CurlTransport(Options options);
  absl::StatusOr<HttpResponse> Get(const HttpRequest& request, const BodySink* sink) override;

 private:
  const Options options_;
};

}  // namespace crio::image
