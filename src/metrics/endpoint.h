// MetricsEndpoint: serves GET /metrics (Prometheus text) on metrics_host:metrics_port, or
// on the Unix socket metrics_socket when set, until stopped; over HTTPS when given a TLS
// configuration (metrics_cert, metrics_key: reloaded when the files change). One accept
// thread hands the connections (through a TLS relay each, with TLS) to a small
// status::HttpServer.
#pragma once

#include <atomic>
#include <functional>
#include <list>
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
  // Serves `connection` on a thread of its own behind a TLS relay (at most kMaxTlsSessions
  // at once; beyond that it is closed). Joins the sessions that ended.
  void ServeOverTls(sys::UniqueFd connection);

  struct TlsSession {
    std::jthread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  static constexpr size_t kMaxTlsSessions = 16;

  sys::UniqueFd listener_;
  const status::HttpHandler handler_;
  const std::shared_ptr<tls::TlsServerConfig> tls_;
  std::list<TlsSession> tls_sessions_;  // only the accept thread touches it
  status::HttpServer http_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

}  // namespace crio::metrics
