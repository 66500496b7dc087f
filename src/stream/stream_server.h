// StreamServer: crio's streaming server (stream_address:stream_port, over TLS when
// configured), where the URLs that Exec, Attach and PortForward return lead. GET /exec/TOKEN,
// /attach/TOKEN and /portforward/TOKEN upgrade to SPDY/3.1 or WebSocket, negotiate a protocol
// version and run the session through the StreamBackend. Tokens are single-use and expire
// (TokenCache).
//
// One accept thread; one thread per connection, each ending when its session does. All
// connections draw on one StreamBudget (`limits`): connections, client streams, threads
// and buffered bytes. A connection past it is answered 503; a stream past it is refused
// on its own (see spdy::Connection, SpdyPortForward) while the rest go on. Destroying the
// server closes every connection (ending its session: an exec's process is killed) and
// joins every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "stream/budget.h"
#include "stream/remote_command.h"
#include "stream/requests.h"
#include "stream/token_cache.h"
#include "sys/unique_fd.h"
#include "tls/tls.h"

namespace crio::stream {

struct HttpUpgrade;  // stream_server.cc

// What the streaming server asks of the rest of crio.
class StreamBackend {
 public:
  virtual ~StreamBackend() = default;
  // Runs the command until it exits; its exit code.
  virtual absl::StatusOr<int> Exec(const ExecTarget& target, const CommandStreams& streams) = 0;
  // Attaches until the container's output ends or the client leaves.
  virtual absl::Status Attach(const AttachTarget& target, const CommandStreams& streams) = 0;
  // A connection to localhost:`port` in the pod's network namespace.
  virtual absl::StatusOr<sys::UniqueFd> DialPort(const std::string& pod_id, int32_t port) = 0;
};

class StreamServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    int port = 0;  // 0: a free port
    std::chrono::milliseconds idle_timeout = std::chrono::hours(4);
    std::chrono::milliseconds stream_creation_timeout = std::chrono::seconds(30);
    StreamBudget::Limits limits;
    TokenCache::Options tokens;
    std::shared_ptr<tls::TlsServerConfig> tls;  // null: plain HTTP
  };

  static absl::StatusOr<std::unique_ptr<StreamServer>> Start(Options options,
                                                             StreamBackend& backend);
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // A one-time URL for `target`: http://ADDRESS:PORT/{exec,attach,portforward}/TOKEN.
  absl::StatusOr<std::string> UrlFor(StreamTarget target);
  int port() const { return port_; }
  // What the sessions use now.
  StreamBudget::Usage usage() const { return budget_.usage(); }

 private:
  StreamServer(Options options, StreamBackend& backend, sys::UniqueFd listener);
  void AcceptLoop();
  void StartSession(sys::UniqueFd socket) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ServeSession(sys::UniqueFd socket);
  void Serve(sys::UniqueFd socket);
  void ServeSpdy(sys::UniqueFd socket, const HttpUpgrade& upgrade, StreamTarget target);
  void ServeWebSocket(sys::UniqueFd socket, const HttpUpgrade& upgrade, StreamTarget target);
  void RunCommand(const StreamTarget& target, CommandStreams streams);
  void ReapFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  StreamBackend& backend_;
  sys::UniqueFd listener_;
  int port_ = 0;
  TokenCache tokens_;
  StreamBudget budget_;
  std::atomic<bool> stopping_{false};

  struct Session {
    std::thread thread;
    sys::UniqueFd control;  // a duplicate of its socket, to shutdown(2) it while it runs
    bool finished = false;
  };
  std::mutex mu_;
  std::list<Session> sessions_ ABSL_GUARDED_BY(mu_);
  std::thread acceptor_;
};

}  // namespace crio::stream
