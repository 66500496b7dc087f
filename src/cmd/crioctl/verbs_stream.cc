// Streaming verbs: exec (its streaming form), attach and port-forward. Each asks crio for
// a URL (Exec, Attach, PortForward), then runs the session there over SPDY (as crictl and
// kubectl do) or, with --transport websocket, over WebSocket.
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/cleanup/cleanup.h"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "stream/client.h"
#include "sys/tcp.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;

absl::StatusOr<stream::Transport> ParseTransport(const std::string& text) {
  if (text == "spdy") return stream::Transport::kSpdy;
  if (text == "websocket") return stream::Transport::kWebSocket;
  return absl::InvalidArgumentError(
      fmt::format("unknown transport \"{}\" (spdy or websocket)", text));
}

std::optional<stream::TerminalSize> LocalTerminalSize() {
  winsize window{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &window) != 0 &&
      ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &window) != 0) {
    return std::nullopt;
  }
  return stream::TerminalSize{.width = window.ws_col, .height = window.ws_row};
}

// Puts the local terminal in raw mode for a session with a TTY; restored on destruction.
class RawTerminal {
 public:
  explicit RawTerminal(bool wanted) {
    if (!wanted || ::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// Runs the session at `url` on the process's own stdio; the exit code to return.
int RunSession(const std::string& verb, const std::string& url, stream::Transport transport,
               const stream::CommandOptions& options, const CommandIo& io) {
  io.out.flush();
  RawTerminal raw(options.tty && options.stdin);
  absl::StatusOr<int> result = stream::RunRemoteCommand(
      url, transport, options,
      {.in = options.stdin ? STDIN_FILENO : -1,
       .out = STDOUT_FILENO,
       .err = STDERR_FILENO,
       .terminal_size = options.tty ? std::function(LocalTerminalSize) : nullptr});
  if (!result.ok()) return ReportError(io, verb, std::string(AsStd(result.status().message())));
  return *result;
}

struct AttachOptions {
  std::string id;
  bool interactive = false;
  bool tty = false;
  std::string transport = "spdy";
};

int RunAttach(Client& client, const AttachOptions& options, const CommandIo& io) {
  auto transport = ParseTransport(options.transport);
  if (!transport.ok())
    return ReportError(io, "attach", std::string(AsStd(transport.status().message())));
  v1::AttachRequest request;
  request.set_container_id(options.id);
  request.set_stdin(options.interactive);
  request.set_tty(options.tty);
  request.set_stdout(true);
  request.set_stderr(!options.tty);
  v1::AttachResponse response;
  const grpc::Status status =
      client.runtime().Attach(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "attach", client.runtime_endpoint(), status);
  return RunSession(
      "attach", response.url(), *transport,
      {.stdin = options.interactive, .stdout = true, .stderr = !options.tty, .tty = options.tty},
      io);
}

struct PortForwardOptions {
  std::string pod_id;
  std::string ports;  // LOCAL:REMOTE
  std::string address = "127.0.0.1";
  std::string transport = "spdy";
};

std::atomic<bool> interrupted{false};

int RunPortForward(Client& client, const PortForwardOptions& options, const CommandIo& io) {
  auto transport = ParseTransport(options.transport);
  if (!transport.ok()) {
    return ReportError(io, "port-forward", std::string(AsStd(transport.status().message())));
  }
  const size_t colon = options.ports.find(':');
  int local_port = 0;
  int remote_port = 0;
  const std::string local_text = options.ports.substr(0, colon);
  const std::string remote_text =
      colon == std::string::npos ? local_text : options.ports.substr(colon + 1);
  if (std::from_chars(local_text.data(), local_text.data() + local_text.size(), local_port).ec !=
          std::errc() ||
      std::from_chars(remote_text.data(), remote_text.data() + remote_text.size(), remote_port)
              .ec != std::errc() ||
      remote_port < 1 || remote_port > 65535 || local_port < 0 || local_port > 65535) {
    return ReportError(io, "port-forward",
                       fmt::format("bad port mapping \"{}\" (LOCAL:REMOTE)", options.ports));
  }
  v1::PortForwardRequest request;
  request.set_pod_sandbox_id(options.pod_id);
  request.add_port(remote_port);
  v1::PortForwardResponse response;
  const grpc::Status status =
      client.runtime().PortForward(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "port-forward", client.runtime_endpoint(), status);
  auto listener = sys::ListenTcp(options.address, local_port);
  if (!listener.ok()) {
    return ReportError(io, "port-forward", std::string(AsStd(listener.status().message())));
  }
  io.out << fmt::format("Forwarding from {}:{} -> {}\n", options.address,
                        sys::BoundPort(listener->get()), remote_port);
  io.out.flush();
  struct sigaction on_signal {};
  on_signal.sa_handler = [](int) { interrupted = true; };
  ::sigaction(SIGINT, &on_signal, nullptr);
  ::sigaction(SIGTERM, &on_signal, nullptr);
  const absl::Status served = stream::ServePortForward(response.url(), *transport, remote_port,
                                                       listener->get(), interrupted);
  if (!served.ok()) return ReportError(io, "port-forward", std::string(AsStd(served.message())));
  return 0;
}

}  // namespace

int RunExecStreaming(Client& client, const ExecOptions& options, const CommandIo& io) {
  if (options.command.empty()) return ReportError(io, "exec", "no command given");
  auto transport = ParseTransport(options.transport);
  if (!transport.ok())
    return ReportError(io, "exec", std::string(AsStd(transport.status().message())));
  v1::ExecRequest request;
  request.set_container_id(options.id);
  for (const std::string& arg : options.command) request.add_cmd(arg);
  request.set_stdin(options.interactive);
  request.set_tty(options.tty);
  request.set_stdout(true);
  request.set_stderr(!options.tty);
  v1::ExecResponse response;
  const grpc::Status status = client.runtime().Exec(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "exec", client.runtime_endpoint(), status);
  return RunSession(
      "exec", response.url(), *transport,
      {.stdin = options.interactive, .stdout = true, .stderr = !options.tty, .tty = options.tty},
      io);
}

void AddStreamVerbs(CLI::App& app, VerbAction& chosen) {
  auto attach_options = std::make_shared<AttachOptions>();
  CLI::App* attach = AddVerb(app, "attach", "Attach to a running container", chosen,
                             [attach_options](Client& client, const CommandIo& io) {
                               return RunAttach(client, *attach_options, io);
                             });
  attach->add_option("CONTAINER-ID", attach_options->id, "Container ID")->required();
  attach->add_flag("--stdin,-i", attach_options->interactive, "Send stdin to the container");
  attach->add_flag("--tty,-t", attach_options->tty, "The container has a terminal");
  attach->add_option("--transport", attach_options->transport, "spdy (default) or websocket");

  auto forward_options = std::make_shared<PortForwardOptions>();
  CLI::App* forward = AddVerb(app, "port-forward", "Forward a local port to a pod", chosen,
                              [forward_options](Client& client, const CommandIo& io) {
                                return RunPortForward(client, *forward_options, io);
                              });
  forward->add_option("POD-ID", forward_options->pod_id, "Pod sandbox ID")->required();
  forward->add_option("LOCAL:REMOTE", forward_options->ports, "Ports (LOCAL 0: any free)")
      ->required();
  forward->add_option("--address", forward_options->address, "Local address to listen on");
  forward->add_option("--transport", forward_options->transport, "spdy (default) or websocket");
}

}  // namespace crio::crioctl
