// ProfileEndpoint: --profile's HTTP server on 127.0.0.1:--profile-port (never another
// address: the answers show crio's internals), serving pprof_handler.h's paths until it is
// destroyed. One accept thread hands connections to a small status::HttpServer.
// REQUIRES: the PprofHandler outlives it (and is Shutdown() before it is destroyed, so no
// CPU profile holds the destruction up).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "diagnostics/pprof_handler.h"
#include "status/http_server.h"
#include "sys/unique_fd.h"

namespace crio::diagnostics {

class ProfileEndpoint {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port).
  static absl::StatusOr<std::unique_ptr<ProfileEndpoint>> Start(int port, PprofHandler& pprof);
  ~ProfileEndpoint();
  ProfileEndpoint(const ProfileEndpoint&) = delete;
  ProfileEndpoint& operator=(const ProfileEndpoint&) = delete;

  int port() const { return port_; }

 private:
  ProfileEndpoint(sys::UniqueFd listener, PprofHandler& pprof);
  void AcceptLoop();

  sys::UniqueFd listener_;
  int port_ = 0;
  status::HttpServer http_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

}  // namespace crio::diagnostics
