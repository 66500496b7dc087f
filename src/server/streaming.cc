#include "server/streaming.h"

#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "server/runtime_service.h"
#include "stream/attach_session.h"
#include "stream/exec_session.h"
#include "sys/tcp.h"

namespace crio::server {
namespace {

// The kubelet's own checks on a streaming request.
absl::Status CheckStdio(bool tty, bool in, bool out, bool err) {
  if (tty && err) {
    // A terminal multiplexes nothing: its output is one stream.
    return absl::InvalidArgumentError("tty and stderr cannot both be true");
  }
  if (!in && !out && !err) {
    return absl::InvalidArgumentError("one of stdin, stdout, or stderr must be set");
  }
  return absl::OkStatus();
}

absl::Status NeedContainerId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("missing required container_id");
  return absl::OkStatus();
}

// The pod `id`; FAILED_PRECONDITION unless it is ready (forwarding needs its network).
absl::StatusOr<sandbox::Sandbox> ReadyPod(const sandbox::Sandboxes& sandboxes,
                                          const std::string& id) {
  ASSIGN_OR_RETURN(sandbox::Sandbox pod, sandboxes.Get(id));
  if (!pod.ready()) {
    return absl::FailedPreconditionError(fmt::format("pod sandbox {} is not ready", pod.id));
  }
  return pod;
}

}  // namespace

absl::StatusOr<int> CriStreamBackend::Exec(const stream::ExecTarget& target,
                                           const stream::CommandStreams& streams) {
  return stream::RunExec(streams, target.tty, [&](const oci::ExecStdio& stdio) {
    return containers_.StartExec(target.container_id, target.command, target.tty, stdio);
  });
}

absl::Status CriStreamBackend::Attach(const stream::AttachTarget& target,
                                      const stream::CommandStreams& streams) {
  ASSIGN_OR_RETURN(sys::UniqueFd socket, containers_.ConnectAttach(target.container_id));
  return stream::RunAttach(streams, std::move(socket), [&](stream::TerminalSize size) {
    if (auto resized = containers_.ResizeTerminal(target.container_id, size.width, size.height);
        !resized.ok()) {
      log::Debug("attach: {}", AsStd(resized.message()));
    }
  });
}

absl::StatusOr<sys::UniqueFd> CriStreamBackend::DialPort(const std::string& pod_id, int32_t port) {
  ASSIGN_OR_RETURN(const sandbox::Sandbox pod, ReadyPod(sandboxes_, pod_id));
  return sys::ConnectLocalPortIn(pod.spec.host_network() ? "" : pod.netns_path, port);
}

grpc::Status RuntimeService::Exec(grpc::ServerContext*, const v1::ExecRequest* request,
                                  v1::ExecResponse* response) {
  return edge_.Serve(
      "Exec", *request, response, [this](const v1::ExecRequest& in, v1::ExecResponse* out) {
        RETURN_IF_ERROR(NeedContainerId(in.container_id()));
        RETURN_IF_ERROR(CheckStdio(in.tty(), in.stdin(), in.stdout(), in.stderr()));
        if (in.cmd().empty()) return absl::InvalidArgumentError("cmd must not be empty");
        ASSIGN_OR_RETURN(const container::Container container,
                         containers_.CreatedOrRunning(in.container_id()));
        ASSIGN_OR_RETURN(std::string url, streaming_.UrlFor(stream::ExecTarget{
                                              .container_id = container.id,
                                              .command = {in.cmd().begin(), in.cmd().end()},
                                              .tty = in.tty(),
                                              .stdin = in.stdin(),
                                              .stdout = in.stdout(),
                                              .stderr = in.stderr()}));
        out->set_url(std::move(url));
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::Attach(grpc::ServerContext*, const v1::AttachRequest* request,
                                    v1::AttachResponse* response) {
  return edge_.Serve(
      "Attach", *request, response, [this](const v1::AttachRequest& in, v1::AttachResponse* out) {
        RETURN_IF_ERROR(NeedContainerId(in.container_id()));
        RETURN_IF_ERROR(CheckStdio(in.tty(), in.stdin(), in.stdout(), in.stderr()));
        ASSIGN_OR_RETURN(const container::Container container,
                         containers_.CreatedOrRunning(in.container_id()));
        // The monitor reads stdin only for a container created with it.
        ASSIGN_OR_RETURN(std::string url, streaming_.UrlFor(stream::AttachTarget{
                                              .container_id = container.id,
                                              .tty = in.tty(),
                                              .stdin = in.stdin() && container.request.stdin,
                                              .stdout = in.stdout(),
                                              .stderr = in.stderr()}));
        out->set_url(std::move(url));
        return absl::OkStatus();
      });
}

grpc::Status RuntimeService::PortForward(grpc::ServerContext*,
                                         const v1::PortForwardRequest* request,
                                         v1::PortForwardResponse* response) {
  return edge_.Serve(
      "PortForward", *request, response,
      [this](const v1::PortForwardRequest& in, v1::PortForwardResponse* out) {
        if (in.pod_sandbox_id().empty()) {
          return absl::InvalidArgumentError("missing required pod_sandbox_id");
        }
        for (const int32_t port : in.port()) {
          if (port < 1 || port > 65535) {
            return absl::InvalidArgumentError(fmt::format("invalid port {}", port));
          }
        }
        ASSIGN_OR_RETURN(const sandbox::Sandbox pod, ReadyPod(sandboxes_, in.pod_sandbox_id()));
        ASSIGN_OR_RETURN(std::string url,
                         streaming_.UrlFor(stream::PortForwardTarget{
                             .pod_id = pod.id, .ports = {in.port().begin(), in.port().end()}}));
        out->set_url(std::move(url));
        return absl::OkStatus();
      });
}

}  // namespace crio::server
