// spdy::Connection: one SPDY/3.1 session over a connected socket, as either end, and its
// streams. Run() reads frames on the calling thread and hands each stream the peer opens
// to a callback; any thread may open streams, write and close.
//
// Flow control: our peers (Go's spdystream, in kubectl, crictl and the kubelet) neither
// send nor honour WINDOW_UPDATE, so waiting on the peer's window would stall every stream
// after 64 KiB. Backpressure is TCP's instead: a writer blocks while the socket is full,
// and the reader thread stops reading the socket while a stream's inbound buffer is full
// (at most `stream_buffer` bytes per stream), so a stalled peer or consumer never grows
// memory. We still announce consumed bytes with WINDOW_UPDATE for peers that count.
//
// A write that makes no progress for the idle timeout, or a session with no frame in
// either direction for that long, closes the connection. Close() wakes every blocked
// reader and writer.
//
// With a StreamBudget (the server's), each stream the peer opens holds one of its streams
// for as long as the Stream object lives, and buffered bytes count against it: a stream
// past the budget is refused (REFUSED_STREAM), data past it resets its stream
// (FLOW_CONTROL_ERROR). Thread-safe. The connection must outlive every use of its streams.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "stream/budget.h"
#include "stream/channel.h"
#include "stream/inbound_buffer.h"
#include "stream/spdy_frame.h"
#include "sys/unique_fd.h"

namespace crio::stream::spdy {

class Connection;

class Stream final : public Channel {
 public:
  Stream(Connection& connection, uint32_t id, Headers headers, bool peer_fin,
         StreamBudget::Lease lease = {});

  uint32_t id() const { return id_; }
  // The headers of the SYN_STREAM that opened it.
  const Headers& headers() const { return headers_; }
  std::string header(std::string_view name) const { return HeaderValue(headers_, name); }

  // Blocks for data from the peer; 0 once the peer finished, reset the stream, the
  // connection ended or StopReading() was called.
  size_t Read(char* data, size_t size) override;
  // Sends `data` (split into frames); false when the stream or the connection is gone.
  bool Write(std::string_view data) override;
  // Our side is done: sends FIN (once).
  void CloseWrite() override;
  // Answers a stream the peer opened (SYN_REPLY).
  void Reply();
  // Aborts the stream (RST_STREAM); reads and writes end.
  void Reset(uint32_t status = kCancel);
  // Drops what the peer sends from now on; blocked and later reads return 0.
  void StopReading() override;
  // Client side: waits for the peer's SYN_REPLY; false on reset, close or timeout.
  bool WaitReply(std::chrono::milliseconds timeout);

 private:
  friend class Connection;
  // From the reader thread. False when the budget had no room for `data`.
  bool Deliver(std::string_view data, bool fin);
  void PeerReset();
  void PeerReplied();
  // The connection ended: reads end once drained, WaitReply gives up.
  void Abort();
  bool Finished();

  Connection& connection_;
  const uint32_t id_;
  const Headers headers_;
  const StreamBudget::Lease lease_;  // a peer's stream counts against the budget while it lives
  InboundBuffer inbound_;
  std::mutex mu_;
  std::condition_variable changed_;  // replied_ or reset_ changed
  bool peer_fin_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_fin_ ABSL_GUARDED_BY(mu_) = false;
  bool reset_ ABSL_GUARDED_BY(mu_) = false;
  bool replied_ ABSL_GUARDED_BY(mu_) = false;
};

class Connection {
 public:
  enum class Role { kServer, kClient };
  struct Options {
    std::chrono::milliseconds idle_timeout = std::chrono::hours(4);
    size_t stream_buffer = 256 << 10;
    size_t max_streams = 1000;       // more concurrent peer streams are refused
    StreamBudget* budget = nullptr;  // shared with other connections; null: unbounded
  };

  Connection(sys::UniqueFd socket, Role role, Options options);
  ~Connection();  // REQUIRES: Run() has returned (or never ran)
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads frames until the peer hangs up, a protocol error, the idle timeout or Close().
  // `on_stream` runs on this thread for each stream the peer opens and must not block.
  void Run(const std::function<void(std::shared_ptr<Stream>)>& on_stream);

  // Opens a stream with `headers` (SYN_STREAM sent at once).
  absl::StatusOr<std::shared_ptr<Stream>> Open(Headers headers);

  // Says GOAWAY and shuts the socket: Run returns, blocked reads and writes end. Idempotent.
  void Close();
  bool closed() const { return closed_.load(); }

 private:
  friend class Stream;
  bool Send(const Frame& frame);
  void Dispatch(Frame frame, const std::function<void(std::shared_ptr<Stream>)>& on_stream);
  void AcceptStream(SynStream syn, const std::function<void(std::shared_ptr<Stream>)>& on_stream);
  std::shared_ptr<Stream> Find(uint32_t id);
  void Forget(uint32_t id);
  void Consumed(uint32_t stream_id, size_t bytes);

  sys::UniqueFd socket_;
  const Role role_;
  const Options options_;
  std::atomic<bool> closed_{false};
  std::atomic<int64_t> last_activity_ms_{0};

  std::mutex write_mu_;
  FrameCodec write_codec_ ABSL_GUARDED_BY(write_mu_);

  std::mutex mu_;
  std::map<uint32_t, std::shared_ptr<Stream>> streams_ ABSL_GUARDED_BY(mu_);
  uint32_t next_id_ ABSL_GUARDED_BY(mu_);
  uint32_t last_peer_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool peer_went_away_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace crio::stream::spdy
