#include "diagnostics/profile_endpoint.h"

#include "sys/tcp.h"

namespace crio::diagnostics {
namespace {

// Two workers, so a CPU profile that takes its seconds leaves one for the other paths;
// slow clients get the usual 5 s to send a request and take its answer.
status::HttpServer::Options ServerOptions() {
  return {.threads = 2, .max_queued = 16, .timeout = std::chrono::milliseconds(5000), .tls = {}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProfileEndpoint>> ProfileEndpoint::Start(int port,
                                                                        PprofHandler& pprof) {
  auto listener = sys::ListenTcp("127.0.0.1", port, 16);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<ProfileEndpoint>(new ProfileEndpoint(std::move(*listener), pprof));
}

ProfileEndpoint::ProfileEndpoint(sys::UniqueFd listener, PprofHandler& pprof)
    : port_(sys::BoundPort(listener.get())),
      listener_(std::move(listener),
                [&pprof](const status::HttpRequest& r) { return pprof.Handle(r); },
                ServerOptions()) {}

}  // namespace crio::diagnostics
