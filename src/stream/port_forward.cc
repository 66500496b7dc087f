#include "stream/port_forward.h"

#include <sys/socket.h>

#include <atomic>
#include <charconv>

#include "common/strings.h"
#include "fmt/format.h"
#include "stream/pumps.h"

namespace crio::stream {
namespace {

std::optional<int32_t> ParsePort(std::string_view text) {
  int32_t port = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// Ends a forward that could not start: the client reads why on its error stream.
void Refuse(Channel& data, Channel& error, int32_t port, const absl::Status& why) {
  error.Write(fmt::format("error forwarding port {} to pod: {}", port, AsStd(why.message())));
  error.CloseWrite();
  data.StopReading();
  data.CloseWrite();
}

// Half pairs waiting for their other stream. Clients open the two back to back, so few wait;
// the bound keeps a client that never sends the other half (its streams reset or not) from
// holding streams, and their share of the budget, for as long as its session lasts.
constexpr size_t kMaxUnpaired = 256;

}  // namespace

const std::vector<std::string>& SpdyPortForwardProtocols() {
  static const std::vector<std::string> protocols = {"portforward.k8s.io"};
  return protocols;
}

const std::vector<std::string>& WebSocketPortForwardProtocols() {
  static const std::vector<std::string> protocols = {"v4.portforward.k8s.io", "portforward.k8s.io"};
  return protocols;
}

void ForwardConnection(Channel& data, Channel& error, int32_t port, const PortDialer& dial,
                       const std::function<bool()>& client_gone, StreamBudget* budget) {
  absl::StatusOr<sys::UniqueFd> socket = dial(port);
  if (!socket.ok()) {
    data.StopReading();  // (unread data need not be buffered)
    Refuse(data, error, port, socket.status());
    return;
  }
  const int fd = socket->get();
  std::atomic<bool> stop{false};
  absl::StatusOr<std::thread> to_pod = StartThread(budget, [&] {
    PumpToFd(data, fd, stop);
    ::shutdown(fd, SHUT_WR);  // the client is done sending
  });
  if (!to_pod.ok()) {
    Refuse(data, error, port, to_pod.status());
    return;
  }
  PumpFromFd(fd, data, client_gone);  // until the pod's side ends or the client is gone
  data.CloseWrite();
  data.StopReading();  // the pod's side is closed: nothing more goes to it
  stop = true;
  to_pod->join();
  error.CloseWrite();
}

SpdyPortForward::SpdyPortForward(spdy::Connection& connection, PortDialer dial,
                                 StreamBudget* budget)
    : connection_(connection), dial_(std::move(dial)), budget_(budget), forwards_(budget) {}

void SpdyPortForward::OnStream(std::shared_ptr<spdy::Stream> stream) {
  const std::string type = stream->header("streamType");
  const std::optional<int32_t> port = ParsePort(stream->header("port"));
  if ((type != "data" && type != "error") || !port) {
    stream->Reset(spdy::kRefusedStream);
    return;
  }
  // Clients before requestID pair an error stream with the data stream opened next.
  std::string request_id = stream->header("requestID");
  if (request_id.empty()) {
    request_id = std::to_string(type == "error" ? stream->id() : stream->id() - 2);
  }
  Pair ready;
  {
    std::lock_guard lock(mu_);
    if (!pending_.contains(request_id) && pending_.size() >= kMaxUnpaired) {
      ready.data = stream;  // refused below, outside the lock
    } else {
      Pair& pair = pending_[request_id];
      (type == "data" ? pair.data : pair.error) = stream;
      if (pair.data != nullptr && pair.error != nullptr) {
        ready = std::move(pair);
        pending_.erase(request_id);
      }
    }
  }
  if (ready.data == stream && ready.error == nullptr) {
    stream->Reset(spdy::kRefusedStream);
    return;
  }
  stream->Reply();
  if (ready.data != nullptr) Forward(std::move(ready), *port);
}

void SpdyPortForward::Forward(Pair pair, int32_t port) {
  const absl::Status started = forwards_.Start([this, pair, port] {
    ForwardConnection(
        *pair.data, *pair.error, port, dial_, [this] { return connection_.closed(); }, budget_);
  });
  if (!started.ok()) Refuse(*pair.data, *pair.error, port, started);
}

absl::StatusOr<std::vector<int32_t>> ParsePortsQuery(std::string_view target) {
  std::vector<int32_t> ports;
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return ports;
  for (std::string_view parameter : SplitTrimmed(target.substr(query + 1), '&')) {
    if (!parameter.starts_with("ports=")) continue;
    std::string list;  // with escaped commas (%2C) unescaped
    for (std::string_view rest = parameter.substr(6); !rest.empty();) {
      if (rest.size() >= 3 && EqualsIgnoreCase(rest.substr(0, 3), "%2c")) {
        list.push_back(',');
        rest.remove_prefix(3);
      } else {
        list.push_back(rest.front());
        rest.remove_prefix(1);
      }
    }
    for (std::string_view text : SplitTrimmed(list, ',')) {
      auto port = ParsePort(text);
      if (!port) return absl::InvalidArgumentError(fmt::format("invalid port \"{}\"", text));
      ports.push_back(*port);
    }
  }
  return ports;
}

void ServeWebSocketPortForward(websocket::ChannelConnection& connection,
                               const std::vector<int32_t>& ports, const PortDialer& dial,
                               StreamBudget* budget) {
  ThreadGroup forwards(budget);  // joined before return
  for (size_t i = 0; i < ports.size() && i < 127; ++i) {
    auto data = connection.channel(static_cast<uint8_t>(2 * i));
    auto error = connection.channel(static_cast<uint8_t>(2 * i + 1));
    const char prefix[2] = {static_cast<char>(ports[i] & 0xff), static_cast<char>(ports[i] >> 8)};
    data->Write(std::string_view(prefix, 2));
    error->Write(std::string_view(prefix, 2));
    const absl::Status started =
        forwards.Start([&connection, data, error, port = ports[i], &dial, budget] {
          ForwardConnection(
              *data, *error, port, dial, [&connection] { return connection.closed(); }, budget);
        });
    if (!started.ok()) Refuse(*data, *error, ports[i], started);
  }
}

}  // namespace crio::stream
