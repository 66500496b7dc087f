#include "stream/pumps.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace crio::stream {
namespace {

// Waits up to one tick for `events` on `fd`: 1 ready, 0 not yet, -1 error.
int WaitTick(int fd, short events) {
  pollfd ready{.fd = fd, .events = events, .revents = 0};
  const int rc = ::poll(&ready, 1, static_cast<int>(kPumpTick.count()));
  if (rc < 0) return errno == EINTR ? 0 : -1;
  return rc;
}

}  // namespace

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool WaitReady(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd ready{.fd = fd, .events = events, .revents = 0};
  int rc;
  do {
    rc = ::poll(&ready, 1, static_cast<int>(std::min<int64_t>(timeout.count(), INT32_MAX)));
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

bool SendAll(int socket, std::string_view bytes, std::chrono::milliseconds stall_limit,
             const std::atomic<bool>& give_up) {
  while (!bytes.empty()) {
    if (give_up) return false;
    const ssize_t n = ::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        WaitReady(socket, POLLOUT, stall_limit)) {
      continue;
    }
    return false;
  }
  return true;
}

std::string ReadToEnd(Channel& from) {
  std::string all;
  char buffer[4096];
  size_t n;
  while ((n = from.Read(buffer, sizeof buffer)) > 0) all.append(buffer, n);
  return all;
}

void PumpToFd(Channel& from, int fd, const std::atomic<bool>& stop) {
  char buffer[32 << 10];
  size_t n;
  while (!stop && (n = from.Read(buffer, sizeof buffer)) > 0) {
    size_t done = 0;
    while (done < n) {
      if (stop) return;
      const int ready = WaitTick(fd, POLLOUT);
      if (ready < 0) return;
      if (ready == 0) continue;
      const ssize_t written = ::write(fd, buffer + done, n - done);
      if (written < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (written <= 0) return;
      done += static_cast<size_t>(written);
    }
  }
}

PumpEnd PumpFromFd(int fd, Channel& to, const std::function<bool()>& stop_when_idle) {
  char buffer[32 << 10];
  for (;;) {
    const int ready = WaitTick(fd, POLLIN);
    if (ready < 0) return PumpEnd::kSourceEnded;
    if (ready == 0) {
      if (stop_when_idle()) return PumpEnd::kStopped;
      continue;
    }
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return PumpEnd::kSourceEnded;  // EOF, or EIO once a terminal's slave closed
    if (!to.Write(std::string_view(buffer, static_cast<size_t>(n)))) return PumpEnd::kClientGone;
  }
}

bool ReceiveMore(int socket, std::string& buffer, const std::atomic<bool>& stop,
                 std::atomic<int64_t>& last_activity_ms, std::chrono::milliseconds idle_timeout) {
  char chunk[16 << 10];
  while (!stop) {
    if (!WaitReady(socket, POLLIN, std::chrono::milliseconds(1000))) {
      if (MonotonicMs() - last_activity_ms > idle_timeout.count()) return false;
      continue;
    }
    const ssize_t n = ::recv(socket, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    last_activity_ms = MonotonicMs();
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }
  return false;
}

void LingerUntilPeerCloses(int socket, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[16 << 10];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd ready{.fd = socket, .events = POLLIN, .revents = 0};
    const int rc = ::poll(&ready, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return;
    const ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
  }
}

}  // namespace crio::stream
