// WebSocket (RFC 6455) for the Kubernetes streaming protocols: the handshake's accept key,
// frame encoding and decoding, and ChannelConnection, which carries numbered channels over
// one WebSocket the way the kubelet does: each message starts with its channel number
// (a byte; an ASCII digit with base64 payloads for base64.channel.k8s.io), and in
// v5.channel.k8s.io a message on channel 255 holding [N] says channel N is done.
//
// We frame ourselves rather than use Beast's websocket stream: its synchronous read answers
// pings by writing, which would race with the writes other threads make to the same
// socket; here every write, pongs included, takes one lock. Inbound channels are bounded
// as in spdy::Connection, and count against the server's StreamBudget: a message the
// budget has no room for closes the connection (a WebSocket channel cannot be reset alone).
// Thread-safe; the connection must outlive its channels' users.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "stream/budget.h"
#include "stream/channel.h"
#include "stream/inbound_buffer.h"
#include "sys/unique_fd.h"

namespace crio::stream::websocket {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string AcceptKey(std::string_view client_key);

enum Opcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10,
};

struct Frame {
  bool fin = true;
  uint8_t opcode = kBinary;
  std::string payload;
};

inline constexpr size_t kMaxMessage = 1 << 20;

// Clients mask what they send (`mask`), servers do not.
std::string EncodeFrame(const Frame& frame, bool mask);
// Takes one whole frame off the front of `buffer`; nullopt while it holds less. Frames
// from a client must be masked (`from_client`).
absl::StatusOr<std::optional<Frame>> DecodeFrame(std::string& buffer, bool from_client);

inline constexpr uint8_t kCloseSignalChannel = 255;

class ChannelConnection;

class ChannelStream final : public Channel {
 public:
  ChannelStream(ChannelConnection& connection, uint8_t number, size_t buffer, StreamBudget* budget)
      : connection_(connection), number_(number), inbound_(buffer, budget) {}
  size_t Read(char* data, size_t size) override { return inbound_.Read(data, size); }
  bool Write(std::string_view data) override;
  void CloseWrite() override;
  void StopReading() override { inbound_.StopReading(); }

 private:
  friend class ChannelConnection;
  ChannelConnection& connection_;
  const uint8_t number_;
  InboundBuffer inbound_;
  std::atomic<bool> closed_write_{false};
};

class ChannelConnection {
 public:
  struct Options {
    bool server = true;
    bool base64 = false;        // base64.channel.k8s.io: text messages, digit + base64
    bool close_signal = false;  // v5: channel 255 ends a channel
    std::chrono::milliseconds idle_timeout = std::chrono::hours(4);
    size_t channel_buffer = 256 << 10;
    StreamBudget* budget = nullptr;  // shared with other connections; null: unbounded
  };

  ChannelConnection(sys::UniqueFd socket, Options options);
  ~ChannelConnection();  // REQUIRES: Run() has returned (or never ran)
  ChannelConnection(const ChannelConnection&) = delete;
  ChannelConnection& operator=(const ChannelConnection&) = delete;

  // The channel numbered `number`, made on first use.
  std::shared_ptr<ChannelStream> channel(uint8_t number);

  // Reads messages into their channels until the peer closes, an error, the idle timeout
  // or Close(). Answers pings.
  void Run();
  // Sends a close frame and shuts the socket; wakes every reader. Idempotent.
  void Close();
  bool closed() const { return closed_.load(); }

 private:
  friend class ChannelStream;
  bool SendMessage(uint8_t channel, std::string_view data);
  bool SendFrame(const Frame& frame);
  // False when the budget had no room for it.
  bool Deliver(const std::string& message, bool text);

  sys::UniqueFd socket_;
  const Options options_;
  std::atomic<bool> closed_{false};
  std::atomic<int64_t> last_activity_ms_{0};
  std::mutex write_mu_;
  std::mutex mu_;
  std::map<uint8_t, std::shared_ptr<ChannelStream>> channels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crio::stream::websocket
