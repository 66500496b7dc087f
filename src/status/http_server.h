// HttpServer: serves HTTP/1.1 requests on connections handed to it, with a fixed pool of
// worker threads and a bounded queue (a flood of connections is refused, never queued
// without limit). Each connection may carry several keep-alive requests; an idle or slow
// client is dropped after the read timeout.
//
// Thread-safe. Stop() refuses new connections, lets the workers finish the requests in
// hand (bounded by the read timeout) and joins them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "sys/unique_fd.h"
#include "tls/tls.h"

namespace crio::status {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Serves requests on `fd` until the client closes or stops keep-alive, or the client takes
// longer than `timeout` to send a request (idle time included) or to take its answer. Runs
// on the calling thread.
void ServeHttpConnection(sys::UniqueFd fd, const HttpHandler& handler,
                         std::chrono::milliseconds timeout);

class HttpServer {
 public:
  struct Options {
    int threads = 2;
    size_t max_queued = 64;
    std::chrono::milliseconds timeout{5000};
    // Connections speak TLS (the worker serves them through a tls:: relay); null: plain.
    std::shared_ptr<tls::TlsServerConfig> tls;
  };

  HttpServer(HttpHandler handler, Options options);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Queues `fd` for a worker; closes it at once when the queue is full or stopping.
  void Submit(sys::UniqueFd fd);
  void Stop();

 private:
  void WorkerLoop();

  const HttpHandler handler_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<sys::UniqueFd> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

// An HttpServer fed by its own listening socket: one accept thread hands each connection to
// the server until the listener is destroyed (it checks for that every 200 ms).
class HttpListener {
 public:
  HttpListener(sys::UniqueFd listener, HttpHandler handler, HttpServer::Options options);
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;
  ~HttpListener();  // stops accepting, then the server

  int fd() const { return listener_.get(); }

 private:
  void AcceptLoop();

  sys::UniqueFd listener_;
  HttpServer http_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

}  // namespace crio::status
