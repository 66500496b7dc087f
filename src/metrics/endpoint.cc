#include "metrics/endpoint.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/errno_status.h"
#include "fmt/format.h"
#include "sys/unix_socket.h"

namespace crio::metrics {
namespace {

absl::StatusOr<sys::UniqueFd> ListenTcp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int error =
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      error != 0) {
    return absl::InvalidArgumentError(
        fmt::format("metrics_host {:?}: {}", host, ::gai_strerror(error)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  sys::UniqueFd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoToStatus(errno, "metrics socket");
  const int yes = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (::bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0) {
    return ErrnoToStatus(errno, fmt::format("listen for metrics on {}:{}", host, port));
  }
  if (::listen(fd.get(), 64) != 0) return ErrnoToStatus(errno, "listen for metrics");
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const Address& address, std::function<std::string()> render) {
  absl::StatusOr<sys::UniqueFd> listener = address.socket.empty()
                                               ? ListenTcp(address.host, address.port)
                                               : sys::ListenUnix(address.socket, 0660);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(std::move(*listener), std::move(render)));
}

MetricsEndpoint::MetricsEndpoint(sys::UniqueFd listener, std::function<std::string()> render)
    : listener_(std::move(listener)),
      http_(
          [render = std::move(render)](const status::HttpRequest& request) {
            if (request.method != "GET" || !request.target.starts_with("/metrics")) {
              return status::HttpResponse{.status = 404,
                                          .content_type = "text/plain",
                                          .body = "not found\n",
                                          .headers = {}};
            }
            return status::HttpResponse{.status = 200,
                                        .content_type = "text/plain; version=0.0.4",
                                        .body = render(),
                                        .headers = {}};
          },
          status::HttpServer::Options{.threads = 1}),
      acceptor_([this] { AcceptLoop(); }) {}

MetricsEndpoint::~MetricsEndpoint() {
  stopping_ = true;
  acceptor_.join();
  http_.Stop();
}

void MetricsEndpoint::AcceptLoop() {
  while (!stopping_) {
    pollfd ready{.fd = listener_.get(), .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 200) <= 0) continue;  // wakes to see whether to stop
    sys::UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (connection) http_.Submit(std::move(connection));
  }
}

}  // namespace crio::metrics
