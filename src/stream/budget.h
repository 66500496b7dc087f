// StreamBudget: what all of the streaming server's connections may use together: open
// connections, open streams (SPDY streams a client opened), threads, and bytes buffered
// from clients. Per-stream buffers bound one stream; this bounds one client that opens
// many, so no client can grow crio's threads or memory without limit. Past a limit a
// request is refused (the caller answers with an error: 503, RST_STREAM, a message on
// the port-forward error stream) and crio keeps serving the rest.
//
// The StreamServer owns one and hands it to every connection by pointer; a null budget
// (the client side) counts nothing. Every grant is a Lease, given back when destroyed.
// StartThread is the one place the streaming code makes a thread: it counts the thread
// and turns the system's refusal (std::system_error) into a status instead of an abort.
// Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

namespace crio::stream {

class StreamBudget {
 public:
  struct Limits {
    size_t max_connections = 512;
    size_t max_streams = 4096;
    size_t max_threads = 4096;
    size_t max_bytes = 128 << 20;  // buffered from clients, not yet consumed
  };
  struct Usage {
    size_t connections = 0;
    size_t streams = 0;
    size_t threads = 0;
    size_t bytes = 0;
  };
  enum class Kind { kConnection, kStream, kThread };

  // One connection, stream or thread; given back when destroyed. Movable.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

   private:
    friend class StreamBudget;
    Lease(StreamBudget* budget, Kind kind) : budget_(budget), kind_(kind) {}
    StreamBudget* budget_ = nullptr;
    Kind kind_ = Kind::kStream;
  };

  explicit StreamBudget(Limits limits) : limits_(limits) {}
  StreamBudget(const StreamBudget&) = delete;
  StreamBudget& operator=(const StreamBudget&) = delete;

  // RESOURCE_EXHAUSTED, saying which limit, when `kind` is at its limit.
  absl::StatusOr<Lease> Take(Kind kind);
  // Bytes are counted as they are buffered: false (nothing taken) when `bytes` more would
  // pass the limit. Every byte taken is given back once consumed or dropped.
  bool TakeBytes(size_t bytes);
  void GiveBytes(size_t bytes);

  Usage usage() const;
  const Limits& limits() const { return limits_; }

 private:
  void Give(Kind kind);
  size_t& CountOf(Kind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Limits limits_;
  mutable std::mutex mu_;
  Usage used_ ABSL_GUARDED_BY(mu_);
};

// Runs `body` on a new thread counted against `budget` (null: uncounted) until `body`
// returns. RESOURCE_EXHAUSTED when the budget has no thread left or the system refused one.
absl::StatusOr<std::thread> StartThread(StreamBudget* budget, absl::AnyInvocable<void()> body);

// For a session that needs all of its helper threads: starts `body` into `into` unless an
// earlier start already failed (`first_error` not OK); a refusal is kept in `first_error`.
void StartHelperThread(StreamBudget* budget, std::vector<std::thread>& into,
                       absl::Status& first_error, absl::AnyInvocable<void()> body);

// Threads that end on their own (a port-forward's connections): finished ones are joined
// whenever another starts, so a long session does not pile up ended threads; the
// destructor joins the rest (REQUIRES: something ends them, such as closing the
// connection they serve). Thread-safe.
class ThreadGroup {
 public:
  explicit ThreadGroup(StreamBudget* budget) : budget_(budget) {}
  ~ThreadGroup();
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  // As StartThread.
  absl::Status Start(absl::AnyInvocable<void()> body);
  // Threads started and not yet joined.
  size_t size();

 private:
  struct Member {
    std::thread thread;
    bool done = false;
  };
  void ReapFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StreamBudget* const budget_;
  std::mutex mu_;
  std::list<Member> members_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::stream
