// The gRPC edge: the single wrapper every CRI rpc passes through.
//
// RpcEdge::Serve() refuses calls with UNAVAILABLE until start-up has finished and once
// shutdown has begun, counts the calls in flight so shutdown can wait for them, runs the
// handler, converts its absl::Status to a grpc::Status, and logs the call once: a success
// as one debug line with its latency, a failure as one line with method, code name,
// latency and message, at error for INTERNAL, UNKNOWN, DATA_LOSS and UNAVAILABLE and at
// warning for the other codes (NOT_FOUND from the polled status and stats rpcs only at
// debug); request and response bodies at trace. Credentials (auth, password,
// identity_token, registry_token) are redacted from bodies and scrubbed from messages.
// Handlers never log errors themselves; the edge does, once.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "metrics/metrics.h"

namespace crio::server {

// Text form of `message` with credential fields replaced by "[REDACTED]".
std::string RedactedText(const google::protobuf::Message& message);

// `text` with every credential value `request` carries (and the password inside a base64
// `auth`) replaced by "[REDACTED]".
std::string ScrubCredentials(std::string text, const google::protobuf::Message& request);

grpc::Status ToGrpcStatus(const absl::Status& status);

class RpcEdge {
 public:
  // Counts every call in `metrics` from now on (call before SetReady; may be null).
  void SetMetrics(metrics::Metrics* metrics) { metrics_ = metrics; }

  // Marks start-up finished: from now on rpcs run.
  void SetReady() ABSL_LOCKS_EXCLUDED(mu_);

  // Refuses new calls from now on and waits up to `grace` for the ones in flight to finish.
  // Returns the methods of the calls still running when it gave up (empty: all finished).
  std::vector<std::string> Drain(std::chrono::milliseconds grace) ABSL_LOCKS_EXCLUDED(mu_);
  // True once Drain began: calls that would wait forever (event streams) end.
  bool draining() const ABSL_LOCKS_EXCLUDED(mu_);

  // The answer for an rpc whose feature has not landed yet: UNIMPLEMENTED naming it.
  grpc::Status Unimplemented(std::string_view method, std::string_view feature) const;

  // Runs `handler(request, response)` (returning absl::Status) for the rpc `method`.
  template <typename Request, typename Response, typename Handler>
  grpc::Status Serve(std::string_view method, const Request& request, Response* response,
                     Handler&& handler) {
    return Run(method, request, [&] { return handler(request, response); },
               [&]() -> const google::protobuf::Message& { return *response; });
  }

  // As Serve, for a handler that answers with a response it shares instead of filling one
  // (a cached answer): `handler(request, response)` sets `response` (a shared_ptr to const).
  template <typename Request, typename Response, typename Handler>
  grpc::Status ServeShared(std::string_view method, const Request& request,
                           std::shared_ptr<const Response>& response, Handler&& handler) {
    static const Response kNone;
    return Run(method, request, [&] { return handler(request, response); },
               [&]() -> const google::protobuf::Message& {
                 return response != nullptr ? *response : kNone;
               });
  }

 private:
  // Serve's steps: admits the call, runs `run` (returning absl::Status), logs and counts it.
  template <typename Body, typename Answered>
  grpc::Status Run(std::string_view method, const google::protobuf::Message& request, Body&& run,
                   Answered&& answered) {
    const auto start = std::chrono::steady_clock::now();
    LogRequest(method, request);
    absl::Status status = Enter(method);
    if (status.ok()) {
      status = run();
      Leave(method);
    }
    const auto latency = std::chrono::steady_clock::now() - start;
    LogResult(method, status, request, answered(), latency);
    if (metrics_ != nullptr) {
      metrics_->CountOperation(method, status.code(),
                               std::chrono::duration<double>(latency).count());
    }
    return ToGrpcStatus(status);
  }

  // Admits a call (counting it) or says why not.
  absl::Status Enter(std::string_view method) ABSL_LOCKS_EXCLUDED(mu_);
  void Leave(std::string_view method) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Admission() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  static void LogRequest(std::string_view method, const google::protobuf::Message& request);
  static void LogResult(std::string_view method, const absl::Status& status,
                        const google::protobuf::Message& request,
                        const google::protobuf::Message& response,
                        std::chrono::steady_clock::duration latency);

  metrics::Metrics* metrics_ = nullptr;  // set before calls run, constant after
  mutable absl::Mutex mu_;
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  std::multiset<std::string, std::less<>> in_flight_ ABSL_GUARDED_BY(mu_);  // methods
};

}  // namespace crio::server
