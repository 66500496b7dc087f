// CriServer: the gRPC server for the CRI services, fed connections by the ApiSocket.
//
// It listens on no port itself: ApiSocket hands it each connection that opened with the
// HTTP/2 preface. Message size limits and the size of the handler thread pool come from
// the options. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sys/unique_fd.h"

namespace crio::server {

class CriServer {
 public:
  struct Options {
    int64_t max_send_message_bytes = 80 * 1024 * 1024;
    int64_t max_recv_message_bytes = 80 * 1024 * 1024;
    int max_threads = 64;  // caps concurrent rpc handlers
  };

  // `services` must outlive the server.
  static absl::StatusOr<std::unique_ptr<CriServer>> Start(
      const std::vector<grpc::Service*>& services, const Options& options);

  // Serves gRPC on an accepted, non-blocking connection.
  void Adopt(sys::UniqueFd fd);

  // Stops taking new rpcs and waits up to `grace` for the ones in flight, then cancels them.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  explicit CriServer(std::unique_ptr<grpc::Server> server) : server_(std::move(server)) {}

  std::unique_ptr<grpc::Server> server_;
};

}  // namespace crio::server
