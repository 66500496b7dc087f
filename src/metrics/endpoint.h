// MetricsEndpoint: serves GET /metrics (Prometheus text) on metrics_host:metrics_port, or
// on the Unix socket metrics_socket when set, until stopped; over HTTPS when given a TLS
// configuration (metrics_cert, metrics_key: reloaded when the files change). One accept
// thread hands the connections to a small status::HttpServer, which speaks the TLS.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

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
  ~MetricsEndpoint();  // stops
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

 private:
  MetricsEndpoint(sys::UniqueFd listener, std::function<std::string()> render,
                  std::shared_ptr<tls::TlsServerConfig> tls);
  void AcceptLoop();

  sys::UniqueFd listener_;
  status::HttpServer http_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

}  // namespace crio::metrics
