// ProfileEndpoint: --profile's HTTP server on 127.0.0.1:--profile-port (never another
// address: the answers show crio's internals), serving pprof_handler.h's paths until it is
// destroyed, through a status::HttpListener.
// REQUIRES: the PprofHandler outlives it (and is Shutdown() before it is destroyed, so no
// CPU profile holds the destruction up).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "diagnostics/pprof_handler.h"
#include "status/http_server.h"
#include "sys/unique_fd.h"

namespace crio::diagnostics {

class ProfileEndpoint {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port).
  static absl::StatusOr<std::unique_ptr<ProfileEndpoint>> Start(int port, PprofHandler& pprof);
  ProfileEndpoint(const ProfileEndpoint&) = delete;
  ProfileEndpoint& operator=(const ProfileEndpoint&) = delete;

  int port() const { return port_; }

 private:
  ProfileEndpoint(sys::UniqueFd listener, PprofHandler& pprof);

  const int port_;
  status::HttpListener listener_;
};

}  // namespace crio::diagnostics
