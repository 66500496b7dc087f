#include "status/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "common/log.h"
#include "status/fd_stream.h"

namespace crio::status {
namespace {

namespace http = boost::beast::http;

// Requests to the status API carry no body worth more than this.
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 64 * 1024;

http::response<http::string_body> ToBeast(const HttpResponse& response, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(response.status), version};
  out.set(http::field::server, "crio");
  out.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) out.set(name, value);
  out.keep_alive(keep_alive);
  out.body() = response.body;
  out.prepare_payload();
  return out;
}

// Where the header in `data` ends (past its empty line), or npos while it has not ended.
size_t HeaderEnd(std::string_view data) {
  for (size_t at = data.find('\n'); at != std::string_view::npos; at = data.find('\n', at + 1)) {
    if (data.substr(at + 1, 1) == "\n") return at + 2;
    if (data.substr(at + 1, 2) == "\r\n") return at + 3;
  }
  return std::string_view::npos;
}

// Go's server (CRI-O's) takes header lines that end in a bare "\n", as `printf 'GET /info
// HTTP/1.1\n\n' | socat` sends them; Beast wants "\r\n". Reads until the header of the next
// request is in `buffer`, and writes its line ends as "\r\n". False when the connection ended
// or failed first, or the header grew past its bound.
bool ReadHeader(FdStream& stream, boost::beast::flat_buffer& buffer) {
  size_t end;
  for (;;) {
    const std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
    end = HeaderEnd(data);
    if (end != std::string_view::npos) break;
    if (buffer.size() >= kMaxHeaderBytes) return false;
    boost::system::error_code ec;
    const size_t n = stream.read_some(buffer.prepare(4096), ec);
    if (ec || n == 0) return false;
    buffer.commit(n);
  }
  const std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
  std::string normalized;
  for (size_t i = 0; i < end; ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) normalized += '\r';
    normalized += data[i];
  }
  if (normalized.size() == end) return true;
  normalized.append(data.substr(end));
  buffer.consume(buffer.size());
  const size_t size = normalized.size();
  boost::asio::buffer_copy(buffer.prepare(size), boost::asio::buffer(normalized));
  buffer.commit(size);
  return true;
}

}  // namespace

void ServeHttpConnection(sys::UniqueFd fd, const HttpHandler& handler,
                         std::chrono::milliseconds timeout) {
  FdStream stream(std::move(fd), timeout);
  boost::beast::flat_buffer buffer;
  for (;;) {
    // Each request, and the answer to it, gets one timeout in all.
    stream.SetDeadline(FdStream::Clock::now() + timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(kMaxBodyBytes);
    if (!ReadHeader(stream, buffer)) return;
    boost::system::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec) {
      if (ec != http::error::end_of_stream && ec != boost::asio::error::eof) {
        log::Debug("status API: dropping connection: {}", ec.message());
      }
      return;
    }
    const auto& request = parser.get();
    const HttpResponse response = handler(HttpRequest{
        .method = std::string(request.method_string()), .target = std::string(request.target())});
    auto out = ToBeast(response, request.version(), request.keep_alive());
    // The client gets a whole timeout to take the answer: the time the handler took (a CPU
    // profile takes its seconds) is not the client's slowness.
    stream.SetDeadline(FdStream::Clock::now() + timeout);
    http::write(stream, out, ec);
    if (ec || !out.keep_alive()) return;
  }
}

HttpServer::HttpServer(HttpHandler handler, Options options)
    : handler_(std::move(handler)), options_(options) {
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Submit(sys::UniqueFd fd) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued) {
      log::Warn("status API: refusing connection ({})", stopping_ ? "stopping" : "queue full");
      return;  // fd closes here
    }
    queue_.push_back(std::move(fd));
  }
  wake_.notify_one();
}

void HttpServer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
}

void HttpServer::WorkerLoop() {
  for (;;) {
    sys::UniqueFd fd;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      fd = std::move(queue_.front());
      queue_.pop_front();
    }
    if (options_.tls == nullptr) {
      ServeHttpConnection(std::move(fd), handler_, options_.timeout);
      continue;
    }
    std::jthread relay;  // joined at the end of this iteration, once the plaintext end closed
    auto plain = tls::StartTlsRelay(options_.tls->Current(), std::move(fd), /*server=*/true, relay);
    if (plain.ok()) ServeHttpConnection(std::move(*plain), handler_, options_.timeout);
  }
}

HttpListener::HttpListener(sys::UniqueFd listener, HttpHandler handler,
                           HttpServer::Options options)
    : listener_(std::move(listener)),
      http_(std::move(handler), std::move(options)),
      acceptor_([this] { AcceptLoop(); }) {}

HttpListener::~HttpListener() {
  stopping_ = true;
  acceptor_.join();
  http_.Stop();
}

void HttpListener::AcceptLoop() {
  while (!stopping_) {
    pollfd ready{.fd = listener_.get(), .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 200) <= 0) continue;  // wakes to see whether to stop
    sys::UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (connection) http_.Submit(std::move(connection));
  }
}

}  // namespace crio::status
