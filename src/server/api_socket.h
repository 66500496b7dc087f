// ApiSocket: crio's one unix socket, speaking gRPC (CRI) and HTTP/1.1 (status API).
//
// Open() takes an exclusive lock beside the socket (PATH.lock), so a second crio on the
// same path fails with a clear error instead of stealing it; a stale socket left by a
// crio that died is removed. The accept thread reads the first bytes of each connection
// (MSG_PEEK, bounded wait) and routes it: the HTTP/2 preface ("PRI ...") goes to the gRPC
// handler, anything else to the HTTP handler. Handlers take ownership of the descriptor and
// must not block the accept thread for long.
//
// Stop() closes the listener, drops connections not yet routed, removes the socket and lock
// file, and joins the accept thread. Start/Stop from one thread; the handlers are called
// on the accept thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::server {

class ApiSocket {
 public:
  using ConnectionHandler = std::function<void(sys::UniqueFd)>;

  // Creates the parent dir (0700) if missing, locks, and listens on `path` with mode 0660.
  static absl::StatusOr<std::unique_ptr<ApiSocket>> Open(const std::string& path);

  struct Pending;

  ApiSocket(const ApiSocket&) = delete;
  ApiSocket& operator=(const ApiSocket&) = delete;
  ~ApiSocket();

  void Start(ConnectionHandler grpc, ConnectionHandler http);
  void Stop();

  const std::string& path() const { return path_; }

 private:
  ApiSocket(std::string path, sys::UniqueFd lock, sys::UniqueFd listener, sys::UniqueFd wake);
  void AcceptLoop();
  void RoutePending(std::vector<Pending>& pending);

  const std::string path_;
  sys::UniqueFd lock_;
  sys::UniqueFd listener_;
  sys::UniqueFd wake_;  // eventfd that tells the accept thread to stop
  ConnectionHandler grpc_;
  ConnectionHandler http_;
  std::thread thread_;
};

}  // namespace crio::server
