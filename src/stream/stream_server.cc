#include "stream/stream_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <variant>

#include "absl/strings/str_join.h"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "common/log.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "status/fd_stream.h"
#include "stream/attach_session.h"
#include "stream/port_forward.h"
#include "stream/spdy_connection.h"
#include "stream/websocket.h"
#include "sys/tcp.h"

namespace crio::stream {
namespace {

namespace http = boost::beast::http;

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr size_t kMaxHeaderBytes = 16 * 1024;

enum class Route { kExec, kAttach, kPortForward };

}  // namespace

// What an upgrade request asked for.
struct HttpUpgrade {
  bool websocket = false;
  std::vector<std::string> offered;  // protocol versions, in the client's order
  std::string websocket_key;
  std::string target;
};

namespace {

using Upgrade = HttpUpgrade;

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void Reply(int fd, int status, std::string_view reason, std::string_view body,
           const std::vector<std::string>& extra_headers = {}) {
  std::string text =
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\n", status, reason);
  for (const std::string& header : extra_headers) text += header + "\r\n";
  text += fmt::format("Content-Length: {}\r\nConnection: close\r\n\r\n{}", body.size(), body);
  WriteAll(fd, text);
}

std::vector<std::string> HeaderList(const http::request<http::empty_body>& request,
                                    std::string_view name) {
  std::vector<std::string> values;
  for (auto [it, end] = request.equal_range(boost::beast::string_view(name.data(), name.size()));
       it != end; ++it) {
    for (std::string_view part :
         SplitTrimmed(std::string_view(it->value().data(), it->value().size()), ',')) {
      values.emplace_back(part);
    }
  }
  return values;
}

// Answers the SPDY upgrade; the negotiated version, or nullopt when refused (answered).
std::optional<std::string> AcceptSpdy(int fd, const Upgrade& upgrade,
                                      const std::vector<std::string>& ours) {
  std::string chosen = Negotiate(upgrade.offered, ours);
  if (chosen.empty() && !upgrade.offered.empty()) {
    std::vector<std::string> accepted;
    for (const std::string& name : ours)
      accepted.push_back("X-Accepted-Stream-Protocol-Versions: " + name);
    Reply(fd, 403, "Forbidden",
          fmt::format("unable to upgrade: unable to negotiate protocol: client supports [{}], "
                      "server accepts [{}]\n",
                      absl::StrJoin(upgrade.offered, " "), absl::StrJoin(ours, " ")),
          accepted);
    return std::nullopt;
  }
  std::string text =
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n";
  if (!chosen.empty()) text += "X-Stream-Protocol-Version: " + chosen + "\r\n";
  WriteAll(fd, text + "\r\n");
  return chosen;
}

// Answers the WebSocket handshake; the chosen subprotocol, or nullopt when refused.
std::optional<std::string> AcceptWebSocket(int fd, const Upgrade& upgrade,
                                           const std::vector<std::string>& ours) {
  if (upgrade.websocket_key.empty()) {
    Reply(fd, 400, "Bad Request", "missing Sec-WebSocket-Key\n");
    return std::nullopt;
  }
  std::string chosen = Negotiate(upgrade.offered, ours);
  if (chosen.empty() && !upgrade.offered.empty()) {
    Reply(fd, 400, "Bad Request",
          fmt::format("unable to negotiate a protocol: client supports [{}], server accepts [{}]\n",
                      absl::StrJoin(upgrade.offered, " "), absl::StrJoin(ours, " ")));
    return std::nullopt;
  }
  std::string text = fmt::format(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: {}\r\n",
      websocket::AcceptKey(upgrade.websocket_key));
  if (!chosen.empty()) text += "Sec-WebSocket-Protocol: " + chosen + "\r\n";
  WriteAll(fd, text + "\r\n");
  return chosen;
}

CommandOptions OptionsOf(const StreamTarget& target) {
  if (const auto* exec = std::get_if<ExecTarget>(&target)) {
    return {exec->stdin, exec->stdout, exec->stderr, exec->tty};
  }
  const auto& attach = std::get<AttachTarget>(target);
  return {attach.stdin, attach.stdout, attach.stderr, attach.tty};
}

}  // namespace

absl::StatusOr<std::unique_ptr<StreamServer>> StreamServer::Start(Options options,
                                                                  StreamBackend& backend) {
  absl::StatusOr<sys::UniqueFd> listener = sys::ListenTcp(options.address, options.port);
  if (!listener.ok()) {
    return absl::Status(listener.status().code(),
                        "streaming server: " + std::string(listener.status().message()));
  }
  return std::unique_ptr<StreamServer>(
      new StreamServer(std::move(options), backend, std::move(*listener)));
}

StreamServer::StreamServer(Options options, StreamBackend& backend, sys::UniqueFd listener)
    : options_(std::move(options)),
      backend_(backend),
      listener_(std::move(listener)),
      port_(sys::BoundPort(listener_.get())),
      tokens_(options_.tokens),
      budget_(options_.limits),
      acceptor_([this] { AcceptLoop(); }) {}

StreamServer::~StreamServer() {
  stopping_ = true;
  acceptor_.join();
  std::list<Session> sessions;
  {
    std::lock_guard lock(mu_);
    for (Session& session : sessions_) {
      if (session.control) ::shutdown(session.control.get(), SHUT_RDWR);
    }
    sessions.swap(sessions_);
  }
  for (Session& session : sessions) session.thread.join();
}

absl::StatusOr<std::string> StreamServer::UrlFor(StreamTarget target) {
  const char* route = std::holds_alternative<ExecTarget>(target)     ? "exec"
                      : std::holds_alternative<AttachTarget>(target) ? "attach"
                                                                     : "portforward";
  absl::StatusOr<std::string> token = tokens_.Insert(std::move(target));
  if (!token.ok()) return token.status();
  const bool v6 = options_.address.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}/{}/{}", options_.tls != nullptr ? "https" : "http",
                     v6 ? "[" : "", options_.address, v6 ? "]" : "", port_, route, *token);
}

void StreamServer::ReapFinished() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->finished) {
      ++it;
      continue;
    }
    it->thread.join();
    it = sessions_.erase(it);
  }
}

void StreamServer::AcceptLoop() {
  while (!stopping_) {
    pollfd ready{.fd = listener_.get(), .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 200) <= 0) continue;  // wakes to see whether to stop
    sys::UniqueFd socket(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!socket) continue;
    std::lock_guard lock(mu_);
    ReapFinished();
    StartSession(std::move(socket));
  }
}

void StreamServer::StartSession(sys::UniqueFd socket) {
  absl::StatusOr<StreamBudget::Lease> lease = budget_.Take(StreamBudget::Kind::kConnection);
  Session& session = sessions_.emplace_back();
  absl::StatusOr<std::thread> thread = absl::InternalError("not started");
  if (lease.ok()) {
    session.control.Reset(::fcntl(socket.get(), F_DUPFD_CLOEXEC, 0));
    thread = StartThread(&budget_, [this, &session, lease = std::move(*lease),
                                    socket = std::move(socket)]() mutable {
      ServeSession(std::move(socket));
      lease = {};  // before the next accept sees `finished`
      std::lock_guard ended(mu_);
      session.control.Reset();
      session.finished = true;
    });
  }
  if (thread.ok()) {
    session.thread = std::move(*thread);
    return;
  }
  // The thread's function, with the socket and the lease, is gone; answer on the duplicate.
  const absl::Status refused = lease.ok() ? thread.status() : lease.status();
  log::Warn("{}: refusing a connection", AsStd(refused.message()));
  const int fd = session.control ? session.control.get() : socket.get();
  if (options_.tls == nullptr) {
    // A short answer fits an idle socket's buffer: this never blocks the accept loop.
    Reply(fd, 503, "Service Unavailable", std::string(AsStd(refused.message())) + "\n",
          {"Retry-After: 1"});
  }
  sessions_.pop_back();
}

void StreamServer::ServeSession(sys::UniqueFd socket) {
  if (options_.tls == nullptr) {
    Serve(std::move(socket));
    return;
  }
  std::jthread relay;  // joined once the session closed its end
  absl::StatusOr<sys::UniqueFd> plain =
      tls::StartTlsRelay(options_.tls->Current(), std::move(socket), /*server=*/true, relay);
  if (plain.ok()) Serve(std::move(*plain));
}

void StreamServer::Serve(sys::UniqueFd socket) {
  status::FdStream stream(std::move(socket), kRequestTimeout);
  boost::beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  boost::system::error_code ec;
  http::read(stream, buffer, parser, ec);
  if (ec) return;
  const auto& request = parser.get();
  const int fd = stream.fd();
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> parts;
  for (std::string_view part : SplitTrimmed(path, '/')) parts.emplace_back(part);
  if (request.method() != http::verb::get && request.method() != http::verb::post) {
    Reply(fd, 405, "Method Not Allowed", "only GET and POST\n");
    return;
  }
  if (parts.size() != 2 ||
      (parts[0] != "exec" && parts[0] != "attach" && parts[0] != "portforward")) {
    Reply(fd, 404, "Not Found", "404 page not found\n");
    return;
  }
  std::optional<StreamTarget> found = tokens_.Consume(parts[1]);
  const bool route_matches =
      found && ((parts[0] == "exec") == std::holds_alternative<ExecTarget>(*found)) &&
      ((parts[0] == "attach") == std::holds_alternative<AttachTarget>(*found));
  if (!route_matches) {
    Reply(fd, 404, "Not Found", "token not found, used already, or expired\n");
    return;
  }
  const std::string upgrade_header(request[http::field::upgrade]);
  HttpUpgrade upgrade{.websocket = EqualsIgnoreCase(upgrade_header, "websocket"), .target = target};
  if (upgrade.websocket) {
    upgrade.offered = HeaderList(request, "Sec-WebSocket-Protocol");
    upgrade.websocket_key = std::string(request["Sec-WebSocket-Key"]);
  } else if (EqualsIgnoreCase(upgrade_header, "SPDY/3.1")) {
    upgrade.offered = HeaderList(request, "X-Stream-Protocol-Version");
  } else {
    Reply(fd, 400, "Bad Request", "unable to upgrade: missing upgrade headers in request\n");
    return;
  }
  if (buffer.size() != 0) {
    Reply(fd, 400, "Bad Request", "data before the upgrade was answered\n");
    return;
  }
  if (upgrade.websocket) {
    ServeWebSocket(stream.Release(), upgrade, std::move(*found));
  } else {
    ServeSpdy(stream.Release(), upgrade, std::move(*found));
  }
}

void StreamServer::ServeSpdy(sys::UniqueFd socket, const HttpUpgrade& upgrade,
                             StreamTarget target) {
  const bool forward = std::holds_alternative<PortForwardTarget>(target);
  const auto protocol = AcceptSpdy(socket.get(), upgrade,
                                   forward ? SpdyPortForwardProtocols() : SpdyCommandProtocols());
  if (!protocol) return;
  spdy::Connection connection(std::move(socket), spdy::Connection::Role::kServer,
                              {.idle_timeout = options_.idle_timeout, .budget = &budget_});
  if (forward) {
    const std::string pod_id = std::get<PortForwardTarget>(target).pod_id;
    SpdyPortForward forwarder(
        connection, [this, pod_id](int32_t port) { return backend_.DialPort(pod_id, port); },
        &budget_);
    connection.Run(
        [&](std::shared_ptr<spdy::Stream> stream) { forwarder.OnStream(std::move(stream)); });
    return;  // the forwarder's destructor waits for its forwards, which end with the connection
  }
  SpdyCommandStreams collector(CommandProtocolNamed(*protocol), OptionsOf(target));
  absl::StatusOr<std::thread> reader = StartThread(&budget_, [&] {
    connection.Run(
        [&](std::shared_ptr<spdy::Stream> stream) { collector.OnStream(std::move(stream)); });
  });
  if (!reader.ok()) {
    log::Warn("{}: closing a session", AsStd(reader.status().message()));
    return;  // the client sees its connection end before any stream was answered
  }
  absl::StatusOr<CommandStreams> streams =
      collector.Wait(options_.stream_creation_timeout, connection);
  if (streams.ok()) {
    RunCommand(target, *streams);
  } else {
    log::Debug("streaming: {}", AsStd(streams.status().message()));
  }
  connection.Close();
  reader->join();
}

void StreamServer::ServeWebSocket(sys::UniqueFd socket, const HttpUpgrade& upgrade,
                                  StreamTarget target) {
  const bool forward = std::holds_alternative<PortForwardTarget>(target);
  std::vector<int32_t> ports;
  if (forward) {
    absl::StatusOr<std::vector<int32_t>> query = ParsePortsQuery(upgrade.target);
    if (!query.ok()) {
      Reply(socket.get(), 400, "Bad Request", std::string(AsStd(query.status().message())) + "\n");
      return;
    }
    ports = query->empty() ? std::get<PortForwardTarget>(target).ports : *query;
    if (ports.empty()) {
      Reply(socket.get(), 400, "Bad Request", "query parameter \"ports\" is required\n");
      return;
    }
  }
  const auto protocol =
      AcceptWebSocket(socket.get(), upgrade,
                      forward ? WebSocketPortForwardProtocols() : WebSocketCommandProtocols());
  if (!protocol) return;
  websocket::ChannelConnection connection(std::move(socket),
                                          {.server = true,
                                           .base64 = *protocol == "base64.channel.k8s.io",
                                           .close_signal = *protocol == "v5.channel.k8s.io",
                                           .idle_timeout = options_.idle_timeout,
                                           .budget = &budget_});
  absl::StatusOr<std::thread> reader = StartThread(&budget_, [&] { connection.Run(); });
  if (!reader.ok()) {
    log::Warn("{}: closing a session", AsStd(reader.status().message()));
    connection.Close();
    return;
  }
  if (forward) {
    const std::string pod_id = std::get<PortForwardTarget>(target).pod_id;
    ServeWebSocketPortForward(
        connection, ports, [this, pod_id](int32_t port) { return backend_.DialPort(pod_id, port); },
        &budget_);
  } else {
    const CommandProtocol version =
        protocol->empty() ? CommandProtocol::kV4 : CommandProtocolNamed(*protocol);
    RunCommand(target, WebSocketCommandStreams(connection, version, OptionsOf(target)));
  }
  connection.Close();
  reader->join();
}

void StreamServer::RunCommand(const StreamTarget& target, CommandStreams streams) {
  streams.budget = &budget_;
  if (const auto* exec = std::get_if<ExecTarget>(&target)) {
    ReportResult(streams, backend_.Exec(*exec, streams));
    return;
  }
  const absl::Status attached = backend_.Attach(std::get<AttachTarget>(target), streams);
  ReportResult(streams, attached.ok() ? absl::StatusOr<int>(0) : absl::StatusOr<int>(attached));
}

}  // namespace crio::stream
