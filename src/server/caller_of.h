// The domain's view of an rpc's caller (common/caller.h), from its gRPC context.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>

#include "common/caller.h"

namespace crio::server {

inline Caller CallerOf(grpc::ServerContext* context) {
  Caller caller;
  if (context == nullptr) return caller;
  const auto left = context->deadline() - std::chrono::system_clock::now();
  // No deadline reads as the far future; anything beyond a day is as good as none.
  if (left < std::chrono::hours(24)) {
    caller.deadline = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
  }
  caller.gone = [context] { return context->IsCancelled(); };
  return caller;
}

}  // namespace crio::server
