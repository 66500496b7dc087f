#include "stream/remote_command.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::stream {
namespace {

using nlohmann::json;

constexpr size_t kMaxResizeEvent = 4096;

bool Expected(CommandProtocol protocol, const CommandOptions& options, std::string_view type) {
  if (type == "error") return true;
  if (type == "stdin") return options.stdin;
  if (type == "stdout") return options.stdout;
  if (type == "stderr") return options.stderr && !options.tty;
  if (type == "resize") return options.tty && protocol >= CommandProtocol::kV3;
  return false;
}

std::shared_ptr<Channel>* Slot(CommandStreams& streams, std::string_view type) {
  if (type == "error") return &streams.error;
  if (type == "stdin") return &streams.stdin;
  if (type == "stdout") return &streams.stdout;
  if (type == "stderr") return &streams.stderr;
  if (type == "resize") return &streams.resize;
  return nullptr;
}

bool Complete(CommandProtocol protocol, const CommandOptions& options,
              const CommandStreams& streams) {
  for (std::string_view type : {"error", "stdin", "stdout", "stderr", "resize"}) {
    auto* slot = Slot(const_cast<CommandStreams&>(streams), type);
    if (Expected(protocol, options, type) && *slot == nullptr) return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& SpdyCommandProtocols() {
  static const std::vector<std::string> protocols = {"v4.channel.k8s.io", "v3.channel.k8s.io",
                                                     "v2.channel.k8s.io", "channel.k8s.io"};
  return protocols;
}

const std::vector<std::string>& WebSocketCommandProtocols() {
  static const std::vector<std::string> protocols = {"v5.channel.k8s.io", "v4.channel.k8s.io",
                                                     "v3.channel.k8s.io", "v2.channel.k8s.io",
                                                     "channel.k8s.io",    "base64.channel.k8s.io"};
  return protocols;
}

CommandProtocol CommandProtocolNamed(std::string_view name) {
  if (name == "v5.channel.k8s.io") return CommandProtocol::kV5;
  if (name == "v4.channel.k8s.io") return CommandProtocol::kV4;
  if (name == "v3.channel.k8s.io") return CommandProtocol::kV3;
  if (name == "v2.channel.k8s.io") return CommandProtocol::kV2;
  return CommandProtocol::kV1;
}

std::string Negotiate(const std::vector<std::string>& offered,
                      const std::vector<std::string>& ours) {
  for (const std::string& offer : offered) {
    const std::string name(TrimSpace(offer));
    if (std::find(ours.begin(), ours.end(), name) != ours.end()) return name;
  }
  return "";
}

SpdyCommandStreams::SpdyCommandStreams(CommandProtocol protocol, CommandOptions options)
    : protocol_(protocol), options_(options) {
  streams_.protocol = protocol;
}

void SpdyCommandStreams::OnStream(std::shared_ptr<spdy::Stream> stream) {
  const std::string type = stream->header("streamType");
  {
    std::lock_guard lock(mu_);
    auto* slot = Slot(streams_, type);
    if (slot == nullptr || *slot != nullptr || !Expected(protocol_, options_, type)) {
      stream->Reset(spdy::kRefusedStream);
      return;
    }
    *slot = stream;
  }
  stream->Reply();
  arrived_.notify_all();
}

absl::StatusOr<CommandStreams> SpdyCommandStreams::Wait(std::chrono::milliseconds timeout,
                                                        const spdy::Connection& connection) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Complete(protocol_, options_, streams_)) {
    if (connection.closed()) return absl::CancelledError("the client went away");
    if (arrived_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                         std::chrono::milliseconds(200))) ==
            std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      return absl::DeadlineExceededError("timed out waiting for client to create streams");
    }
  }
  CommandStreams streams = streams_;
  streams.client_gone = [&connection] { return connection.closed(); };
  return streams;
}

CommandStreams WebSocketCommandStreams(websocket::ChannelConnection& connection,
                                       CommandProtocol protocol, CommandOptions options) {
  CommandStreams streams{.protocol = protocol};
  if (options.stdin) streams.stdin = connection.channel(0);
  if (options.stdout) streams.stdout = connection.channel(1);
  if (options.stderr && !options.tty) streams.stderr = connection.channel(2);
  streams.error = connection.channel(3);
  if (options.tty) streams.resize = connection.channel(4);
  streams.client_gone = [&connection] { return connection.closed(); };
  return streams;
}

void ReadResizeEvents(Channel& channel, const std::function<void(TerminalSize)>& apply) {
  std::string pending;
  char chunk[512];
  size_t n;
  while ((n = channel.Read(chunk, sizeof chunk)) > 0) {
    pending.append(chunk, n);
    size_t end;
    while ((end = pending.find('}')) != std::string::npos) {
      const json event = json::parse(pending.substr(0, end + 1), nullptr, false);
      pending.erase(0, end + 1);
      if (!event.is_object()) continue;
      TerminalSize size;
      for (const auto& [key, value] : event.items()) {
        if (!value.is_number_unsigned()) continue;
        const auto number =
            static_cast<uint16_t>(std::min<uint64_t>(value.get<uint64_t>(), 0xffff));
        if (EqualsIgnoreCase(key, "width")) size.width = number;
        if (EqualsIgnoreCase(key, "height")) size.height = number;
      }
      apply(size);
    }
    if (pending.size() > kMaxResizeEvent) pending.clear();  // not a resize event stream
  }
}

std::string ResizeEventJson(TerminalSize size) {
  return fmt::format(R"({{"Width":{},"Height":{}}})", size.width, size.height);
}

std::string StatusJson(const absl::StatusOr<int>& result) {
  json status = {{"metadata", json::object()}};
  if (result.ok() && *result == 0) {
    status["status"] = "Success";
  } else if (result.ok()) {
    status["status"] = "Failure";
    status["message"] =
        fmt::format("command terminated with non-zero exit code: exit status {}", *result);
    status["reason"] = "NonZeroExitCode";
    status["details"] = {
        {"causes", json::array({{{"reason", "ExitCode"}, {"message", std::to_string(*result)}}})}};
  } else {
    const std::string message(AsStd(result.status().message()));
    status["status"] = "Failure";
    status["message"] = "Internal error occurred: " + message;
    status["reason"] = "InternalError";
    status["details"] = {{"causes", json::array({{{"message", message}}})}};
    status["code"] = 500;
  }
  return status.dump();
}

absl::StatusOr<int> ParseStatusJson(std::string_view text) {
  const json status = json::parse(text, nullptr, false);
  if (!status.is_object()) return absl::UnknownError(fmt::format("error stream: {}", text));
  if (status.value("status", "") == "Success") return 0;
  if (status.value("reason", "") == "NonZeroExitCode" && status.contains("details")) {
    for (const json& cause : status["details"].value("causes", json::array())) {
      if (!cause.is_object() || cause.value("reason", "") != "ExitCode") continue;
      const std::string code = cause.value("message", "");
      int value = 0;
      if (std::from_chars(code.data(), code.data() + code.size(), value).ec == std::errc()) {
        return value;
      }
    }
  }
  return absl::UnknownError(status.value("message", std::string(text)));
}

void ReportResult(const CommandStreams& streams, const absl::StatusOr<int>& result) {
  if (streams.error == nullptr) return;
  if (streams.protocol >= CommandProtocol::kV4) {
    streams.error->Write(StatusJson(result));
  } else if (!result.ok()) {
    streams.error->Write(AsStd(result.status().message()));
  } else if (*result != 0) {
    streams.error->Write(
        fmt::format("command terminated with non-zero exit code: exit status {}", *result));
  }
  streams.error->CloseWrite();
}

}  // namespace crio::stream
