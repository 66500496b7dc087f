#include "tls/tls.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "common/log.h"
#include "common/strings.h"
#include "fmt/format.h"

namespace crio::tls {
namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
// Once the session ended, how long the peer may take to close its side.
constexpr auto kPeerCloseWait = std::chrono::seconds(5);

std::string SslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  return fmt::format("{}: {}", what, text);
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

absl::StatusOr<SslContext> ServerContext(const std::string& cert, const std::string& key,
                                         const std::string& ca) {
  SslContext context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (context == nullptr) return absl::InternalError(SslError("make a TLS context"));
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  // The relay retries writes from a buffer that may have grown (and moved) meanwhile.
  SSL_CTX_set_mode(context.get(),
                   SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (SSL_CTX_use_certificate_chain_file(context.get(), cert.c_str()) != 1) {
    return absl::InvalidArgumentError(SslError("stream_tls_cert " + cert));
  }
  if (SSL_CTX_use_PrivateKey_file(context.get(), key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(context.get()) != 1) {
    return absl::InvalidArgumentError(SslError("stream_tls_key " + key));
  }
  if (!ca.empty()) {
    if (SSL_CTX_load_verify_locations(context.get(), ca.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(SslError("stream_tls_ca " + ca));
    }
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return context;
}

// Moves bytes between the TLS side and the plaintext side until both ended.
class Relay {
 public:
  Relay(SSL* ssl, int tls_fd, int plain_fd) : ssl_(ssl), tls_fd_(tls_fd), plain_fd_(plain_fd) {}

  bool Handshake() {
    const auto deadline = std::chrono::steady_clock::now() + kHandshakeTimeout;
    for (;;) {
      const int rc = SSL_do_handshake(ssl_);
      if (rc == 1) return true;
      const int error = SSL_get_error(ssl_, rc);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if ((error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) || left.count() <= 0) {
        log::Debug("{}", SslError("TLS handshake"));
        return false;
      }
      pollfd ready{.fd = tls_fd_,
                   .events = static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT),
                   .revents = 0};
      ::poll(&ready, 1, static_cast<int>(left.count()));
    }
  }

  void Run() {
    while (!(tls_done_ && plain_done_ && to_plain_.empty() && to_tls_.empty())) {
      if (!Step()) return;
      if (tls_done_ && to_plain_.empty() && !plain_shut_) {
        ::shutdown(plain_fd_, SHUT_WR);
        plain_shut_ = true;
      }
      if (plain_done_ && to_tls_.empty() && !tls_shut_) {
        SSL_shutdown(ssl_);
        ::shutdown(tls_fd_, SHUT_WR);
        tls_shut_ = true;
        peer_deadline_ = std::chrono::steady_clock::now() + kPeerCloseWait;
      }
      if (tls_shut_ && (plain_shut_ || std::chrono::steady_clock::now() > peer_deadline_)) return;
      Wait();
    }
  }

 private:
  // One pass of every transfer that can make progress; false on an error.
  bool Step() {
    tls_wants_write_ = false;
    while (!tls_done_ && to_plain_.size() < kTlsRelayBuffer) {
      char buffer[16 << 10];
      const int n = SSL_read(ssl_, buffer, sizeof buffer);
      if (n > 0) {
        to_plain_.append(buffer, static_cast<size_t>(n));
        continue;
      }
      const int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_WRITE) tls_wants_write_ = true;
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) tls_done_ = true;
      break;
    }
    while (!to_plain_.empty()) {
      const ssize_t n = ::send(plain_fd_, to_plain_.data(), to_plain_.size(), MSG_NOSIGNAL);
      if (n > 0) {
        to_plain_.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      return false;  // the session closed its end
    }
    while (!plain_done_ && to_tls_.size() < kTlsRelayBuffer) {
      char buffer[16 << 10];
      const ssize_t n = ::recv(plain_fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        to_tls_.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      plain_done_ = true;
    }
    while (!to_tls_.empty() && !tls_done_) {
      const int n = SSL_write(ssl_, to_tls_.data(), static_cast<int>(to_tls_.size()));
      if (n > 0) {
        to_tls_.erase(0, static_cast<size_t>(n));
        continue;
      }
      const int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
        tls_wants_write_ = true;
        break;
      }
      return false;
    }
    if (tls_done_ && !to_tls_.empty()) to_tls_.clear();  // the peer is gone
    return true;
  }

  void Wait() {
    if (SSL_pending(ssl_) > 0 && to_plain_.size() < kTlsRelayBuffer) return;
    short tls_events = 0;
    if (!tls_done_ && to_plain_.size() < kTlsRelayBuffer) tls_events |= POLLIN;
    if (tls_wants_write_ || !to_tls_.empty()) tls_events |= POLLOUT;
    short plain_events = 0;
    if (!to_plain_.empty()) plain_events |= POLLOUT;
    if (!plain_done_ && to_tls_.size() < kTlsRelayBuffer) plain_events |= POLLIN;
    pollfd fds[2] = {{.fd = tls_fd_, .events = tls_events, .revents = 0},
                     {.fd = plain_fd_, .events = plain_events, .revents = 0}};
    ::poll(fds, 2, 1000);
  }

  SSL* const ssl_;
  const int tls_fd_;
  const int plain_fd_;
  std::string to_plain_, to_tls_;
  bool tls_done_ = false, plain_done_ = false;
  bool tls_shut_ = false, plain_shut_ = false;
  bool tls_wants_write_ = false;
  std::chrono::steady_clock::time_point peer_deadline_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TlsServerConfig>> TlsServerConfig::Load(std::string cert,
                                                                       std::string key,
                                                                       std::string ca) {
  if (cert.empty() || key.empty()) {
    return absl::InvalidArgumentError("stream_enable_tls needs stream_tls_cert and stream_tls_key");
  }
  std::unique_ptr<TlsServerConfig> config(
      new TlsServerConfig(std::move(cert), std::move(key), std::move(ca)));
  absl::StatusOr<SslContext> context = ServerContext(config->cert_, config->key_, config->ca_);
  if (!context.ok()) return context.status();
  config->context_ = std::move(*context);
  config->stamp_ = config->Stamp();
  return config;
}

std::string TlsServerConfig::Stamp() const {
  std::string stamp;
  for (const std::string* path : {&cert_, &key_, &ca_}) {
    struct stat info {};
    if (!path->empty() && ::stat(path->c_str(), &info) == 0) {
      stamp += fmt::format("{}.{}:{};", info.st_mtim.tv_sec, info.st_mtim.tv_nsec, info.st_size);
    }
  }
  return stamp;
}

SslContext TlsServerConfig::Current() {
  std::lock_guard lock(mu_);
  const std::string stamp = Stamp();
  if (stamp != stamp_) {
    stamp_ = stamp;
    absl::StatusOr<SslContext> reloaded = ServerContext(cert_, key_, ca_);
    if (reloaded.ok()) {
      context_ = std::move(*reloaded);
      log::Info("Reloaded the streaming server's TLS certificate");
    } else {
      log::Warn("Keeping the streaming server's TLS certificate: {}",
                AsStd(reloaded.status().message()));
    }
  }
  return context_;
}

absl::StatusOr<SslContext> TlsClientContext(const std::string& ca) {
  SslContext context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (context == nullptr) return absl::InternalError(SslError("make a TLS context"));
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  // The relay retries writes from a buffer that may have grown (and moved) meanwhile.
  SSL_CTX_set_mode(context.get(),
                   SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (!ca.empty()) {
    if (SSL_CTX_load_verify_locations(context.get(), ca.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(SslError("CA " + ca));
    }
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  }
  return context;
}

absl::StatusOr<sys::UniqueFd> StartTlsRelay(SslContext context, sys::UniqueFd socket, bool server,
                                            std::jthread& relay) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return absl::InternalError(fmt::format("socketpair: {}", std::strerror(errno)));
  }
  sys::UniqueFd ours(pair[0]);
  sys::UniqueFd theirs(pair[1]);
  SetNonBlocking(socket.get());
  SetNonBlocking(ours.get());
  try {
    relay = std::jthread([context = std::move(context), socket = std::move(socket),
                          ours = std::move(ours), server]() {
      std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), SSL_free);
      if (ssl == nullptr) return;
      SSL_set_fd(ssl.get(), socket.get());
      server ? SSL_set_accept_state(ssl.get()) : SSL_set_connect_state(ssl.get());
      Relay session(ssl.get(), socket.get(), ours.get());
      if (session.Handshake()) session.Run();
    });
  } catch (const std::system_error& refused) {
    // No thread to spare (EAGAIN): this connection fails, the process does not abort.
    return absl::ResourceExhaustedError(
        fmt::format("TLS relay: cannot start a thread: {}", refused.what()));
  }
  return theirs;
}

}  // namespace crio::tls
