#include "stream/client.h"

#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_join.h"
#include "common/base64.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "stream/port_forward.h"
#include "stream/pumps.h"
#include "stream/spdy_connection.h"
#include "stream/websocket.h"
#include "sys/tcp.h"
#include "tls/tls.h"

namespace crio::stream {
namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr size_t kMaxResponseHeader = 16 << 10;

struct Url {
  bool tls = false;
  std::string host;
  int port = 80;
  std::string path;  // with the query
};

absl::StatusOr<Url> ParseUrl(std::string_view url) {
  const bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) {
    return absl::InvalidArgumentError(fmt::format("unsupported streaming URL {}", url));
  }
  url.remove_prefix(tls ? 8 : 7);
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  Url out{.tls = tls,
          .port = tls ? 443 : 80,
          .path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash))};
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    out.host = std::string(authority.substr(1, close - 1));
    colon = authority.find(':', close);
  } else {
    out.host = std::string(authority.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (std::from_chars(port.data(), port.data() + port.size(), out.port).ec != std::errc()) {
      return absl::InvalidArgumentError(fmt::format("bad port in {}", url));
    }
  }
  return out;
}

// Reads the response header byte by byte (nothing of the session after it is consumed).
absl::StatusOr<std::string> ReadResponseHeader(int fd) {
  std::string header;
  const auto deadline = std::chrono::steady_clock::now() + kHandshakeTimeout;
  while (!header.ends_with("\r\n\r\n")) {
    if (header.size() > kMaxResponseHeader) return absl::InternalError("response header too long");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
    if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
      return absl::DeadlineExceededError("no answer to the upgrade request");
    }
    char c;
    if (::recv(fd, &c, 1, 0) != 1)
      return absl::UnavailableError("the server closed the connection");
    header.push_back(c);
  }
  return header;
}

// What a 101 answer said, or the failure the server described.
struct Upgraded {
  std::jthread tls_relay;  // with https: joined after the session closed `socket`
  sys::UniqueFd socket;
  std::string protocol;
};

absl::StatusOr<Upgraded> Upgrade(const std::string& url_text, Transport transport,
                                 const std::vector<std::string>& protocols) {
  ASSIGN_OR_RETURN(const Url url, ParseUrl(url_text));
  std::jthread tls_relay;  // declared first: joined after `socket` closed
  ASSIGN_OR_RETURN(sys::UniqueFd socket, sys::ConnectTcp(url.host, url.port));
  if (url.tls) {
    // As crictl: the server's certificate is not checked (the URL came from crio itself).
    ASSIGN_OR_RETURN(tls::SslContext context, tls::TlsClientContext(""));
    ASSIGN_OR_RETURN(socket, tls::StartTlsRelay(std::move(context), std::move(socket),
                                                /*server=*/false, tls_relay));
  }
  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nConnection: Upgrade\r\n",
                                    url.path, url.host, url.port);
  std::string key;
  if (transport == Transport::kSpdy) {
    request += "Upgrade: SPDY/3.1\r\n";
    for (const std::string& protocol : protocols) {
      request += "X-Stream-Protocol-Version: " + protocol + "\r\n";
    }
  } else {
    unsigned char nonce[16];
    RAND_bytes(nonce, sizeof nonce);
    key = Base64Encode(std::string_view(reinterpret_cast<char*>(nonce), sizeof nonce));
    request += "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key +
               "\r\nSec-WebSocket-Protocol: " + absl::StrJoin(protocols, ", ") + "\r\n";
  }
  request += "\r\n";
  if (::send(socket.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError("could not send the upgrade request");
  }
  ASSIGN_OR_RETURN(const std::string header, ReadResponseHeader(socket.get()));
  std::vector<std::string_view> lines = SplitTrimmed(header, '\n');
  if (lines.empty() || lines[0].find(" 101 ") == std::string_view::npos) {
    char body[1024];
    pollfd ready{.fd = socket.get(), .events = POLLIN, .revents = 0};
    ssize_t n = ::poll(&ready, 1, 1000) > 0 ? ::recv(socket.get(), body, sizeof body, 0) : 0;
    return absl::FailedPreconditionError(fmt::format(
        "upgrade refused: {}{}", lines.empty() ? "" : lines[0],
        n > 0 ? ": " + std::string(TrimSpace(std::string_view(body, static_cast<size_t>(n))))
              : ""));
  }
  Upgraded upgraded{.tls_relay = std::move(tls_relay), .socket = std::move(socket)};
  for (std::string_view line : lines) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = TrimSpace(line.substr(0, colon));
    const std::string value(TrimSpace(line.substr(colon + 1)));
    if (EqualsIgnoreCase(name, "X-Stream-Protocol-Version") ||
        EqualsIgnoreCase(name, "Sec-WebSocket-Protocol")) {
      upgraded.protocol = value;
    }
    if (EqualsIgnoreCase(name, "Sec-WebSocket-Accept") && value != websocket::AcceptKey(key)) {
      return absl::InternalError("the server's Sec-WebSocket-Accept is wrong");
    }
  }
  return upgraded;
}

// Copies between the local side and a session's streams until the command ended; its
// result as the error stream reported it.
absl::StatusOr<int> RunLocalSide(const CommandStreams& streams, const CommandOptions& options,
                                 const LocalIo& io) {
  std::atomic<bool> done{false};
  std::vector<std::thread> inputs;
  std::vector<std::thread> outputs;
  if (streams.stdin != nullptr && io.in >= 0) {
    inputs.emplace_back([&] {
      PumpFromFd(io.in, *streams.stdin, [&] { return done.load(); });
      streams.stdin->CloseWrite();
    });
  }
  if (streams.resize != nullptr && options.tty && io.terminal_size) {
    inputs.emplace_back([&] {
      std::optional<TerminalSize> sent;
      while (!done) {
        auto size = io.terminal_size();
        if (size && (!sent || size->width != sent->width || size->height != sent->height)) {
          if (!streams.resize->Write(ResizeEventJson(*size))) break;
          sent = size;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    });
  }
  const std::atomic<bool> never{false};
  if (streams.stdout != nullptr)
    outputs.emplace_back([&] { PumpToFd(*streams.stdout, io.out, never); });
  if (streams.stderr != nullptr)
    outputs.emplace_back([&] { PumpToFd(*streams.stderr, io.err, never); });
  const std::string report = ReadToEnd(*streams.error);
  for (std::thread& output : outputs) output.join();
  done = true;
  for (std::thread& input : inputs) input.join();
  if (streams.protocol >= CommandProtocol::kV4) {
    if (report.empty()) return absl::UnavailableError("the session ended without a result");
    return ParseStatusJson(report);
  }
  if (!report.empty()) return absl::UnknownError(report);
  return 0;
}

absl::StatusOr<int> RunOverSpdy(Upgraded upgraded, const CommandOptions& options,
                                const LocalIo& io) {
  const CommandProtocol protocol = CommandProtocolNamed(upgraded.protocol);
  spdy::Connection connection(std::move(upgraded.socket), spdy::Connection::Role::kClient, {});
  std::thread reader([&] { connection.Run([](std::shared_ptr<spdy::Stream> s) { s->Reset(); }); });
  absl::Cleanup stop = [&] {
    connection.Close();
    reader.join();
  };
  CommandStreams streams{.protocol = protocol};
  std::vector<std::pair<std::string, std::shared_ptr<Channel>*>> wanted = {
      {"error", &streams.error}};
  if (options.stdin) wanted.emplace_back("stdin", &streams.stdin);
  if (options.stdout) wanted.emplace_back("stdout", &streams.stdout);
  if (options.stderr && !options.tty) wanted.emplace_back("stderr", &streams.stderr);
  if (options.tty && protocol >= CommandProtocol::kV3)
    wanted.emplace_back("resize", &streams.resize);
  for (auto& [type, slot] : wanted) {
    ASSIGN_OR_RETURN(std::shared_ptr<spdy::Stream> stream, connection.Open({{"streamType", type}}));
    if (!stream->WaitReply(kHandshakeTimeout)) {
      return absl::UnavailableError(fmt::format("the server refused the {} stream", type));
    }
    *slot = stream;
  }
  return RunLocalSide(streams, options, io);
}

absl::StatusOr<int> RunOverWebSocket(Upgraded upgraded, const CommandOptions& options,
                                     const LocalIo& io) {
  const CommandProtocol protocol =
      upgraded.protocol.empty() ? CommandProtocol::kV1 : CommandProtocolNamed(upgraded.protocol);
  websocket::ChannelConnection connection(std::move(upgraded.socket),
                                          {.server = false,
                                           .base64 = upgraded.protocol == "base64.channel.k8s.io",
                                           .close_signal = protocol == CommandProtocol::kV5});
  std::thread reader([&] { connection.Run(); });
  absl::Cleanup stop = [&] {
    connection.Close();
    reader.join();
  };
  return RunLocalSide(WebSocketCommandStreams(connection, protocol, options), options, io);
}

// Copies between a local connection and a forwarded one until both directions ended.
void PumpForward(int local, Channel& data, Channel& error) {
  // As kubectl: nothing is sent on the error stream; closing our side at once lets the
  // server forget the stream when it is done, instead of holding it until the session ends.
  error.CloseWrite();
  std::atomic<bool> stop{false};
  std::thread errors([&] {
    const std::string text = ReadToEnd(error);
    if (!text.empty()) fmt::print(stderr, "port-forward: {}\n", text);
  });
  std::thread upload([&] {
    PumpFromFd(local, data, [&] { return stop.load(); });
    data.CloseWrite();
  });
  const std::atomic<bool> never{false};
  PumpToFd(data, local, never);  // until the pod's side ended
  ::shutdown(local, SHUT_WR);
  stop = true;
  upload.join();
  error.StopReading();
  errors.join();
}

// Reads the two-byte port a WebSocket port-forward channel starts with.
bool SkipPortPrefix(Channel& channel) {
  char prefix[2];
  size_t got = 0;
  while (got < 2) {
    const size_t n = channel.Read(prefix + got, 2 - got);
    if (n == 0) return false;
    got += n;
  }
  return true;
}

}  // namespace

absl::StatusOr<int> RunRemoteCommand(const std::string& url, Transport transport,
                                     const CommandOptions& options, const LocalIo& io) {
  ASSIGN_OR_RETURN(Upgraded upgraded,
                   Upgrade(url, transport,
                           transport == Transport::kSpdy ? SpdyCommandProtocols()
                                                         : WebSocketCommandProtocols()));
  return transport == Transport::kSpdy ? RunOverSpdy(std::move(upgraded), options, io)
                                       : RunOverWebSocket(std::move(upgraded), options, io);
}

absl::Status ForwardOnce(const std::string& url, Transport transport, int32_t remote_port,
                         sys::UniqueFd local) {
  if (transport == Transport::kWebSocket) {
    ASSIGN_OR_RETURN(Upgraded upgraded, Upgrade(fmt::format("{}?ports={}", url, remote_port),
                                                transport, WebSocketPortForwardProtocols()));
    websocket::ChannelConnection connection(std::move(upgraded.socket), {.server = false});
    std::thread reader([&] { connection.Run(); });
    auto data = connection.channel(0);
    auto error = connection.channel(1);
    if (SkipPortPrefix(*data) && SkipPortPrefix(*error)) {
      PumpForward(local.get(), *data, *error);
    }
    connection.Close();
    reader.join();
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(Upgraded upgraded, Upgrade(url, transport, SpdyPortForwardProtocols()));
  spdy::Connection connection(std::move(upgraded.socket), spdy::Connection::Role::kClient, {});
  std::thread reader([&] { connection.Run([](std::shared_ptr<spdy::Stream> s) { s->Reset(); }); });
  const std::string port = std::to_string(remote_port);
  auto error = connection.Open({{"streamType", "error"}, {"port", port}, {"requestID", "0"}});
  auto data = connection.Open({{"streamType", "data"}, {"port", port}, {"requestID", "0"}});
  absl::Status status = absl::OkStatus();
  if (error.ok() && data.ok() && (*error)->WaitReply(kHandshakeTimeout) &&
      (*data)->WaitReply(kHandshakeTimeout)) {
    PumpForward(local.get(), **data, **error);
  } else {
    status = absl::UnavailableError("the server refused the port-forward streams");
  }
  connection.Close();
  reader.join();
  return status;
}

absl::Status ServePortForward(const std::string& url, Transport transport, int32_t remote_port,
                              int listener, const std::atomic<bool>& stop) {
  std::vector<std::thread> forwards;
  absl::Cleanup join = [&] {
    for (std::thread& forward : forwards) forward.join();
  };
  if (transport == Transport::kWebSocket) {
    // A WebSocket session carries one connection per port: each gets its own. The URL's
    // token is single-use, so only the first connection can use it.
    bool used = false;
    while (!stop) {
      pollfd ready{.fd = listener, .events = POLLIN, .revents = 0};
      if (::poll(&ready, 1, 200) <= 0) continue;
      sys::UniqueFd local(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
      if (!local) continue;
      if (used) {
        fmt::print(stderr, "port-forward: a WebSocket URL serves one connection\n");
        continue;
      }
      used = true;
      forwards.emplace_back([&url, remote_port, local = std::move(local)]() mutable {
        if (auto forwarded = ForwardOnce(url, Transport::kWebSocket, remote_port, std::move(local));
            !forwarded.ok()) {
          fmt::print(stderr, "port-forward: {}\n", AsStd(forwarded.message()));
        }
      });
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(Upgraded upgraded, Upgrade(url, transport, SpdyPortForwardProtocols()));
  spdy::Connection connection(std::move(upgraded.socket), spdy::Connection::Role::kClient, {});
  std::thread reader([&] { connection.Run([](std::shared_ptr<spdy::Stream> s) { s->Reset(); }); });
  int request_id = 0;
  const std::string port = std::to_string(remote_port);
  while (!stop && !connection.closed()) {
    pollfd ready{.fd = listener, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    sys::UniqueFd local(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!local) continue;
    const std::string id = std::to_string(request_id++);
    auto error = connection.Open({{"streamType", "error"}, {"port", port}, {"requestID", id}});
    auto data = connection.Open({{"streamType", "data"}, {"port", port}, {"requestID", id}});
    if (!error.ok() || !data.ok()) break;
    forwards.emplace_back([local = std::move(local), error = *error, data = *data] {
      if (error->WaitReply(kHandshakeTimeout) && data->WaitReply(kHandshakeTimeout)) {
        PumpForward(local.get(), *data, *error);
      }
    });
  }
  connection.Close();
  for (std::thread& forward : forwards) forward.join();
  forwards.clear();
  reader.join();
  return absl::OkStatus();
}

}  // namespace crio::stream
