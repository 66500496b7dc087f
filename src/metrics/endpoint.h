// MetricsEndpoint: serves GET /metrics (Prometheus text) on metrics_host:metrics_port, or
// on the Unix socket metrics_socket when set, until stopped; over HTTPS when given a TLS
// configuration (metrics_cert, metrics_key: reloaded when the files change), through a
// status::HttpListener (whose server speaks the TLS).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "status/http_server.h"
#include "sys/unique_fd.h"
#include "tls/tls.h"

namespace crio::metrics {

class MetricsEndpoint {
 public:
  struct Address {
    std::string host = "127.0.0.1";
    int port = 9090;
    std::string socket;  // a Unix socket instead, when set
  };

  // Listens and starts serving `render()` at /metrics; over TLS when `tls` is set.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const Address& address, std::function<std::string()> render,
      std::shared_ptr<tls::TlsServerConfig> tls = nullptr);
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

 private:
  MetricsEndpoint(sys::UniqueFd listener, std::function<std::string()> render,
                  std::shared_ptr<tls::TlsServerConfig> tls);

  status::HttpListener listener_;  // destroyed: stops
};

}  // namespace crio::metrics
