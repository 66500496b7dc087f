#include "stream/attach_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <thread>
#include <vector>

#include "oci/oci_runtime.h"
#include "stream/pumps.h"

namespace crio::stream {
namespace {

// Sends the client's stdin to the container until it ends.
void PumpStdin(Channel& from, int socket, const std::atomic<bool>& stop) {
  PumpToFd(from, socket, stop);
  ::shutdown(socket, SHUT_WR);  // conmon closes the container's stdin (stdin_once)
}

// Delivers the monitor's packets until the socket ends or the client goes away.
void PumpOutput(int socket, const CommandStreams& streams, const std::atomic<bool>& stop) {
  char packet[oci::kAttachPacket];
  while (!stop && !streams.client_gone()) {
    pollfd ready{.fd = socket, .events = POLLIN, .revents = 0};
    const int rc = ::poll(&ready, 1, static_cast<int>(kPumpTick.count()));
    if (rc < 0 && errno != EINTR) return;
    if (rc <= 0) continue;
    const ssize_t n = ::recv(socket, packet, sizeof packet, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the container's output ended
    if (n == 1) continue;
    Channel* to = packet[0] == oci::kAttachStderr && streams.stderr != nullptr
                      ? streams.stderr.get()
                      : streams.stdout.get();
    if (to != nullptr && !to->Write(std::string_view(packet + 1, static_cast<size_t>(n - 1)))) {
      return;
    }
  }
}

}  // namespace

absl::Status RunAttach(const CommandStreams& streams, sys::UniqueFd socket,
                       const std::function<void(TerminalSize)>& resize) {
  std::atomic<bool> done{false};
  std::vector<std::thread> inputs;
  absl::Status helpers = absl::OkStatus();
  if (streams.stdin != nullptr) {
    StartHelperThread(streams.budget, inputs, helpers,
                      [&] { PumpStdin(*streams.stdin, socket.get(), done); });
  }
  if (streams.resize != nullptr) {
    StartHelperThread(streams.budget, inputs, helpers,
                      [&] { ReadResizeEvents(*streams.resize, resize); });
  }
  // Without all its helpers the session does not start (the container runs on).
  if (helpers.ok()) PumpOutput(socket.get(), streams, done);
  done = true;
  if (streams.stdin != nullptr) streams.stdin->StopReading();
  if (streams.resize != nullptr) streams.resize->StopReading();
  for (std::thread& input : inputs) input.join();
  if (streams.stdout != nullptr) streams.stdout->CloseWrite();
  if (streams.stderr != nullptr) streams.stderr->CloseWrite();
  return helpers;
}

}  // namespace crio::stream
