#include "server/api_socket.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/unix_socket.h"

namespace crio::server {

using Clock = std::chrono::steady_clock;

// An accepted connection whose protocol is not known yet.
struct ApiSocket::Pending {
  sys::UniqueFd fd;
  Clock::time_point deadline;
};

namespace {

// A client gets this long to send its first bytes before the connection is dropped.
constexpr std::chrono::seconds kFirstBytesTimeout(5);
// Connections accepted but not yet routed; beyond this, new ones are refused.
constexpr size_t kMaxPending = 256;
// gRPC clients open with the HTTP/2 connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".
constexpr std::string_view kHttp2PrefacePrefix = "PRI";

enum class Protocol { kUnknownYet, kGrpc, kHttp, kClosed };

Protocol Classify(int fd) {
  char head[3];
  const ssize_t n = ::recv(fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return Protocol::kClosed;
  if (n < 0) return errno == EAGAIN || errno == EINTR ? Protocol::kUnknownYet : Protocol::kClosed;
  const std::string_view seen(head, static_cast<size_t>(n));
  if (!kHttp2PrefacePrefix.starts_with(seen)) return Protocol::kHttp;
  return seen.size() == kHttp2PrefacePrefix.size() ? Protocol::kGrpc : Protocol::kUnknownYet;
}

// Removes a socket left behind by a crio that is gone. Called with the lock held, so no
// crio owns it; if something else still answers on it, refuse rather than steal it.
absl::Status RemoveStaleSocket(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return absl::OkStatus();
  if (sys::ConnectUnix(path).ok()) {
    return absl::FailedPreconditionError(
        fmt::format("another process is already serving on {}", path));
  }
  log::Info("Removing stale socket {}", path);
  if (::unlink(path.c_str()) != 0) return ErrnoToStatus(errno, fmt::format("remove {}", path));
  return absl::OkStatus();
}

// Waits for the next event; the timeout is the nearest pending deadline.
int PollTimeoutMs(const std::vector<ApiSocket::Pending>& pending) {
  if (pending.empty()) return -1;
  Clock::time_point nearest = pending.front().deadline;
  for (const auto& p : pending) nearest = std::min(nearest, p.deadline);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(nearest - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()) + 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiSocket>> ApiSocket::Open(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (auto made = sys::MakeDirs(parent.empty() ? "/" : parent, 0700); !made.ok()) return made;
  auto lock = sys::LockFile(path + ".lock");
  if (!lock.ok()) {
    if (lock.status().code() != absl::StatusCode::kUnavailable) return lock.status();
    return absl::FailedPreconditionError(fmt::format("another crio is already running on {} ({})",
                                                     path, AsStd(lock.status().message())));
  }
  if (auto removed = RemoveStaleSocket(path); !removed.ok()) return removed;
  auto listener = sys::ListenUnix(path, 0660);
  if (!listener.ok()) return listener.status();
  sys::UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return ErrnoToStatus(errno, "create eventfd");
  return std::unique_ptr<ApiSocket>(
      new ApiSocket(path, std::move(*lock), std::move(*listener), std::move(wake)));
}

ApiSocket::ApiSocket(std::string path, sys::UniqueFd lock, sys::UniqueFd listener,
                     sys::UniqueFd wake)
    : path_(std::move(path)),
      lock_(std::move(lock)),
      listener_(std::move(listener)),
      wake_(std::move(wake)) {}

ApiSocket::~ApiSocket() { Stop(); }

void ApiSocket::Start(ConnectionHandler grpc, ConnectionHandler http) {
  grpc_ = std::move(grpc);
  http_ = std::move(http);
  thread_ = std::thread([this] { AcceptLoop(); });
}

void ApiSocket::Stop() {
  if (!listener_) return;
  const uint64_t one = 1;
  if (::write(wake_.get(), &one, sizeof(one)) < 0)
    log::Warn("wake accept loop: {}", std::strerror(errno));
  if (thread_.joinable()) thread_.join();
  listener_.Reset();
  ::unlink(path_.c_str());
  ::unlink((path_ + ".lock").c_str());
  lock_.Reset();
}

void ApiSocket::AcceptLoop() {
  std::vector<Pending> pending;
  for (;;) {
    std::vector<pollfd> fds = {{.fd = wake_.get(), .events = POLLIN, .revents = 0},
                               {.fd = listener_.get(), .events = POLLIN, .revents = 0}};
    for (const Pending& p : pending)
      fds.push_back({.fd = p.fd.get(), .events = POLLIN, .revents = 0});
    if (::poll(fds.data(), fds.size(), PollTimeoutMs(pending)) < 0 && errno != EINTR) {
      log::Error("API socket: poll: {}", std::strerror(errno));
      return;
    }
    if (fds[0].revents != 0) return;  // Stop()
    if (fds[1].revents & POLLIN) {
      sys::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!fd) {
        log::Warn("API socket: accept: {}", std::strerror(errno));
      } else if (pending.size() >= kMaxPending) {
        log::Warn("API socket: {} connections waiting to be routed; refusing one", kMaxPending);
      } else {
        pending.push_back({std::move(fd), Clock::now() + kFirstBytesTimeout});
      }
    }
    RoutePending(pending);
  }
}

void ApiSocket::RoutePending(std::vector<Pending>& pending) {
  const Clock::time_point now = Clock::now();
  std::erase_if(pending, [&](Pending& p) {
    switch (Classify(p.fd.get())) {
      case Protocol::kGrpc:
        grpc_(std::move(p.fd));
        return true;
      case Protocol::kHttp:
        http_(std::move(p.fd));
        return true;
      case Protocol::kClosed:
        return true;
      case Protocol::kUnknownYet:
        return now >= p.deadline;
    }
    return true;
  });
}

}  // namespace crio::server
