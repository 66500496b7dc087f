// TLS for crio's servers (streaming, metrics), kept out of their protocol code: a relay
// thread per connection speaks TLS on the TCP socket and plaintext on one end of a socket
// pair; the server gets the other end and reads and writes it as if it were the peer. Each
// relay buffers at most kTlsRelayBuffer bytes per direction, so a stalled side stops the
// other instead of growing memory.
//
// TlsServerConfig holds a server's certificate and key (stream_tls_cert and stream_tls_key,
// metrics_cert and metrics_key) and, with a CA (stream_tls_ca), requires clients to present
// a certificate that CA signed. The files are read again when they change (as CRI-O does),
// at the next connection. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace crio::tls {

inline constexpr size_t kTlsRelayBuffer = 64 << 10;

using SslContext = std::shared_ptr<SSL_CTX>;

class TlsServerConfig {
 public:
  // Loads the files now: an error when they are missing or do not match.
  static absl::StatusOr<std::unique_ptr<TlsServerConfig>> Load(std::string cert, std::string key,
                                                               std::string ca);
  // The context for a new connection, reloaded first when a file changed (the old one
  // stays in use when the new files are broken).
  SslContext Current();

 private:
  TlsServerConfig(std::string cert, std::string key, std::string ca)
      : cert_(std::move(cert)), key_(std::move(key)), ca_(std::move(ca)) {}
  std::string Stamp() const;

  const std::string cert_, key_, ca_;
  std::mutex mu_;
  SslContext context_ ABSL_GUARDED_BY(mu_);
  std::string stamp_ ABSL_GUARDED_BY(mu_);  // the files' mtimes and sizes when loaded
};

// A client context; it checks the server against `ca` when given, else not at all.
absl::StatusOr<SslContext> TlsClientContext(const std::string& ca);

// Starts relaying TLS on `socket` (as the server or the client of the handshake) and
// returns the plaintext end; the relay thread is stored in `relay` (joined when it is
// destroyed) and ends when either side closes. The handshake happens on the relay: a failed one
// closes the plaintext end.
absl::StatusOr<sys::UniqueFd> StartTlsRelay(SslContext context, sys::UniqueFd socket, bool server,
                                            std::jthread& relay);

}  // namespace crio::tls
