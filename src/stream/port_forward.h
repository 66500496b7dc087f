// Port forwarding for a pod: each forwarded connection is a pair of client streams, data
// and error, for one port; `dial` connects to that port inside the pod's network
// namespace, and bytes flow both ways until both sides are done. A failed dial is
// reported as text on the error stream.
//
// SPDY (portforward.k8s.io): the client opens the pair per connection, naming them in the
// `streamType` (data/error), `port` and `requestID` headers. WebSocket
// (v4.portforward.k8s.io, portforward.k8s.io): the URL's `ports` query lists the ports,
// port i uses channels 2i (data) and 2i+1 (error), and each channel starts with the port
// as two little-endian bytes.
//
// Every thread a forward needs is counted against the server's StreamBudget (null: not
// counted); a forward the budget has no thread for is refused with a message on its error
// stream, and the session goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "stream/budget.h"
#include "stream/channel.h"
#include "stream/spdy_connection.h"
#include "stream/websocket.h"
#include "sys/unique_fd.h"

namespace crio::stream {

using PortDialer = std::function<absl::StatusOr<sys::UniqueFd>(int32_t port)>;

const std::vector<std::string>& SpdyPortForwardProtocols();
const std::vector<std::string>& WebSocketPortForwardProtocols();

// Serves one forwarded connection: dials, then copies until both directions ended or
// `client_gone`. Closes both channels.
void ForwardConnection(Channel& data, Channel& error, int32_t port, const PortDialer& dial,
                       const std::function<bool()>& client_gone, StreamBudget* budget);

// Pairs a SPDY client's streams and forwards each pair on its own thread. Thread-safe;
// the destructor waits for every forward (they end once the connection is closed).
class SpdyPortForward {
 public:
  SpdyPortForward(spdy::Connection& connection, PortDialer dial, StreamBudget* budget);
  void OnStream(std::shared_ptr<spdy::Stream> stream);

 private:
  struct Pair {
    std::shared_ptr<spdy::Stream> data, error;
  };
  void Forward(Pair pair, int32_t port);

  spdy::Connection& connection_;
  const PortDialer dial_;
  StreamBudget* const budget_;
  std::mutex mu_;
  std::map<std::string, Pair> pending_ ABSL_GUARDED_BY(mu_);
  ThreadGroup forwards_;  // last: destroyed (joined) first
};

// The `ports` query parameter of a WebSocket port-forward URL; INVALID_ARGUMENT when a
// port is malformed.
absl::StatusOr<std::vector<int32_t>> ParsePortsQuery(std::string_view target);

// Forwards one connection per port over `connection` (already running), returning when all
// ended.
void ServeWebSocketPortForward(websocket::ChannelConnection& connection,
                               const std::vector<int32_t>& ports, const PortDialer& dial,
                               StreamBudget* budget);

}  // namespace crio::stream
