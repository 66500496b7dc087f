#include "metrics/endpoint.h"

#include <unistd.h>

#include "common/errno_status.h"
#include "fmt/format.h"
#include "sys/tcp.h"
#include "sys/unix_socket.h"

namespace crio::metrics {
namespace {

constexpr std::chrono::milliseconds kRequestTimeout{5000};

status::HttpHandler MetricsHandler(std::function<std::string()> render) {
  return [render = std::move(render)](const status::HttpRequest& request) {
    if (request.method != "GET" || !request.target.starts_with("/metrics")) {
      return status::HttpResponse{
          .status = 404, .content_type = "text/plain", .body = "not found\n", .headers = {}};
    }
    return status::HttpResponse{.status = 200,
                                .content_type = "text/plain; version=0.0.4",
                                .body = render(),
                                .headers = {}};
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const Address& address, std::function<std::string()> render,
    std::shared_ptr<tls::TlsServerConfig> tls) {
  absl::StatusOr<sys::UniqueFd> listener = address.socket.empty()
                                               ? sys::ListenTcp(address.host, address.port, 64)
                                               : sys::ListenUnix(address.socket, 0660);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(std::move(*listener), std::move(render), std::move(tls)));
}

MetricsEndpoint::MetricsEndpoint(sys::UniqueFd listener, std::function<std::string()> render,
                                 std::shared_ptr<tls::TlsServerConfig> tls)
    : listener_(std::move(listener), MetricsHandler(std::move(render)),
                status::HttpServer::Options{.threads = 1,
                                            .max_queued = 64,
                                            .timeout = kRequestTimeout,
                                            .tls = std::move(tls)}) {}

}  // namespace crio::metrics
