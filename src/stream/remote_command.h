// The remotecommand protocols (exec and attach) on either transport: which versions we
// speak, the set of streams a request needs, how the client's streams are gathered, the
// terminal-resize events, and the result reported on the error stream.
//
// Versions (X-Stream-Protocol-Version for SPDY, Sec-WebSocket-Protocol for WebSocket):
//   channel.k8s.io      v1: stdin, stdout, stderr, error (a message when it failed)
//   v2.channel.k8s.io   as v1
//   v3.channel.k8s.io   + resize: a stream of {"Width":W,"Height":H} JSON objects
//   v4.channel.k8s.io   + the error stream carries a Status JSON with the exit code
//   v5.channel.k8s.io   (WebSocket only) + channel 255 closes a channel
// WebSocket channels are numbered 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize;
// SPDY streams name theirs in the `streamType` header.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "stream/budget.h"
#include "stream/channel.h"
#include "stream/spdy_connection.h"
#include "stream/websocket.h"

namespace crio::stream {

enum class CommandProtocol { kV1, kV2, kV3, kV4, kV5 };

// Ours, best first.
const std::vector<std::string>& SpdyCommandProtocols();
const std::vector<std::string>& WebSocketCommandProtocols();
// The version a negotiated name stands for ("" is a client from before negotiation: v1;
// "base64.channel.k8s.io" is v1 too).
CommandProtocol CommandProtocolNamed(std::string_view name);
// The first of the client's offers we speak, or "" when none.
std::string Negotiate(const std::vector<std::string>& offered,
                      const std::vector<std::string>& ours);

struct CommandOptions {
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  bool tty = false;
};

// A command's streams from the client; null when the request did not ask for one.
struct CommandStreams {
  CommandProtocol protocol = CommandProtocol::kV4;
  std::shared_ptr<Channel> stdin, stdout, stderr, error, resize;
  // True once the client's connection is gone.
  std::function<bool()> client_gone = [] { return false; };
  // What the session's copying threads count against (the server's); null: not counted.
  StreamBudget* budget = nullptr;
};

// Gathers the streams a SPDY client opens for a command (its on_stream callback answers
// each with SYN_REPLY). Thread-safe.
class SpdyCommandStreams {
 public:
  SpdyCommandStreams(CommandProtocol protocol, CommandOptions options);
  void OnStream(std::shared_ptr<spdy::Stream> stream);
  // Waits until every expected stream arrived; DEADLINE_EXCEEDED after `timeout`.
  absl::StatusOr<CommandStreams> Wait(std::chrono::milliseconds timeout,
                                      const spdy::Connection& connection);

 private:
  const CommandProtocol protocol_;
  const CommandOptions options_;
  std::mutex mu_;
  std::condition_variable arrived_;
  CommandStreams streams_ ABSL_GUARDED_BY(mu_);
};

// The WebSocket channels for a command.
CommandStreams WebSocketCommandStreams(websocket::ChannelConnection& connection,
                                       CommandProtocol protocol, CommandOptions options);

struct TerminalSize {
  uint16_t width = 0;
  uint16_t height = 0;
};

// Reads resize events from `channel` until it ends, calling `apply` for each.
void ReadResizeEvents(Channel& channel, const std::function<void(TerminalSize)>& apply);
// One resize event as a client sends it.
std::string ResizeEventJson(TerminalSize size);

// Reports how the command ended on the error stream (v4+: a Status JSON with the exit code
// as a NonZeroExitCode cause; before: the message when it failed) and closes it.
// `result` is the exit code, or why the command could not run.
void ReportResult(const CommandStreams& streams, const absl::StatusOr<int>& result);
// The v4 Status document for `result`.
std::string StatusJson(const absl::StatusOr<int>& result);
// A client's reading of that document: the exit code, or the failure it describes.
absl::StatusOr<int> ParseStatusJson(std::string_view text);

}  // namespace crio::stream
