// Caller: what the domain may know about whoever asked for an operation, without knowing
// gRPC: how long it is willing to wait, and whether it has gone away (its deadline passed
// or it cancelled). The server layer fills it from the rpc's context.
#pragma once

#include <chrono>
#include <functional>

namespace crio {

struct Caller {
  // A request waiting for an in-flight twin (a kubelet retry) waits at most until here.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // True once nobody will receive the answer; empty: the caller never goes away.
  std::function<bool()> gone;

  bool Gone() const { return gone && gone(); }
};

}  // namespace crio
