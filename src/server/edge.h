// The gRPC edge: the single wrapper every CRI rpc passes through.
//
// RpcEdge::Serve() refuses calls with UNAVAILABLE until start-up has finished, runs the
// handler, converts its absl::Status to a grpc::Status, and logs the call once: one debug
// line with code and latency, plus request and response bodies at trace with credentials
// (auth, password, identity_token, registry_token) redacted. Handlers never log errors
// themselves; the edge does, once.
//
// Thread-safe: the ready flag is atomic and Serve() keeps no other state.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace crio::server {

// Text form of `message` with credential fields replaced by "[REDACTED]".
std::string RedactedText(const google::protobuf::Message& message);

grpc::Status ToGrpcStatus(const absl::Status& status);

class RpcEdge {
 public:
  // Marks start-up finished: from now on rpcs run.
  void SetReady() { ready_.store(true, std::memory_order_release); }
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Runs `handler(request, response)` (returning absl::Status) for the rpc `method`.
  // The answer for an rpc whose feature has not landed yet: UNIMPLEMENTED naming it.
  grpc::Status Unimplemented(std::string_view method, std::string_view feature) const;

  template <typename Request, typename Response, typename Handler>
  grpc::Status Serve(std::string_view method, const Request& request, Response* response,
                     Handler&& handler) {
    const auto start = std::chrono::steady_clock::now();
    LogRequest(method, request);
    absl::Status status = ready() ? handler(request, response)
                                  : absl::UnavailableError("crio is still starting up");
    LogResult(method, status, *response, std::chrono::steady_clock::now() - start);
    return ToGrpcStatus(status);
  }

 private:
  static void LogRequest(std::string_view method, const google::protobuf::Message& request);
  static void LogResult(std::string_view method, const absl::Status& status,
                        const google::protobuf::Message& response,
                        std::chrono::steady_clock::duration latency);

  std::atomic<bool> ready_{false};
};

}  // namespace crio::server
