#include "image/curl_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "sys/unique_fd.h"

namespace crio::image {
namespace {

constexpr std::string_view kStall = "STALL:";

// A one-thread HTTP/1.1 server on 127.0.0.1:0 that answers each connection with the next
// canned response and remembers the requests it read.
class CannedServer {
 public:
  explicit CannedServer(std::vector<std::string> responses) : responses_(std::move(responses)) {
    listener_.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listener_.get(), 8);
    socklen_t length = sizeof(address);
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  uint16_t port() const { return port_; }
  std::vector<std::string> requests;

 private:
  void Serve() {
    for (const std::string& response : responses_) {
      sys::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!fd) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      requests.push_back(request);
      // kStall: send what follows it, then go quiet (for a while) with the connection open.
      const bool stall = response.starts_with(kStall);
      const std::string bytes = stall ? response.substr(kStall.size()) : response;
      ::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (stall) std::this_thread::sleep_for(std::chrono::seconds(3));
    }
  }

  std::vector<std::string> responses_;
  sys::UniqueFd listener_;
  uint16_t port_ = 0;
  std::thread thread_;
};

std::string Response(const std::string& status, const std::string& headers,
                     const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + headers + "\r\n" + body;
}

CurlTransport Transport() { return CurlTransport(CurlTransport::Options{}); }

TEST(CurlTransportTest, SendsHeadersAndReadsStatusHeadersAndBody) {
  CannedServer server({Response("200 OK", "Docker-Content-Digest: sha256:x\r\n", "hello")});
  CurlTransport http = Transport();
  auto response = http.Get({.url = server.Url("/v2/"), .headers = {{"Accept", "a/b"}}}, nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->headers.at("docker-content-digest"), "sha256:x");
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_NE(server.requests[0].find("GET /v2/ HTTP/1.1"), std::string::npos);
  EXPECT_NE(server.requests[0].find("Accept: a/b"), std::string::npos);
}

TEST(CurlTransportTest, FollowsRedirectsAndStreamsIntoTheSink) {
  CannedServer target({Response("200 OK", "", "blob-content")});
  CannedServer redirect(
      {Response("307 Temporary Redirect", "Location: " + target.Url("/blob") + "\r\n", "")});
  CurlTransport http = Transport();
  std::string streamed;
  const BodySink sink = [&](std::string_view chunk) {
    streamed.append(chunk);
    return absl::OkStatus();
  };
  auto response = http.Get({.url = redirect.Url("/v2/x/blobs/y")}, &sink);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(streamed, "blob-content");
  EXPECT_TRUE(response->body.empty());
}

// Whether every socket of ours connected to 127.0.0.1:`port` is close-on-exec (and one is).
bool ConnectionsToPortAreCloseOnExec(uint16_t port) {
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = -1;
    const std::string name = entry.path().filename().string();
    std::from_chars(name.data(), name.data() + name.size(), fd);
    sockaddr_in peer{};
    socklen_t length = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0 ||
        peer.sin_family != AF_INET || ntohs(peer.sin_port) != port) {
      continue;
    }
    if ((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) return false;
    ++found;
  }
  return found > 0;
}

TEST(CurlTransportTest, ItsSocketsAreCloseOnExec) {
  CannedServer server({Response("200 OK", "", "blob-content")});
  CurlTransport http = Transport();
  bool close_on_exec = false;
  const BodySink sink = [&](std::string_view) {
    close_on_exec = ConnectionsToPortAreCloseOnExec(server.port());
    return absl::OkStatus();
  };
  auto response = http.Get({.url = server.Url("/blob")}, &sink);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(close_on_exec);
}

TEST(CurlTransportTest, ErrorBodiesAreBufferedNotStreamed) {
  CannedServer server({Response("404 Not Found", "", R"({"errors":[]})")});
  CurlTransport http = Transport();
  bool sink_called = false;
  const BodySink sink = [&](std::string_view) {
    sink_called = true;
    return absl::OkStatus();
  };
  auto response = http.Get({.url = server.Url("/missing")}, &sink);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, R"({"errors":[]})");
  EXPECT_FALSE(sink_called);
}

TEST(CurlTransportTest, LimitsAndFailures) {
  CannedServer server(
      {Response("200 OK", "", std::string(100, 'x')), Response("200 OK", "", "abcdef")});
  CurlTransport http = Transport();
  EXPECT_EQ(http.Get({.url = server.Url("/big"), .max_body_bytes = 10}, nullptr).status().code(),
            absl::StatusCode::kResourceExhausted);
  const BodySink refuse = [](std::string_view) { return absl::DataLossError("bad bytes"); };
  EXPECT_EQ(http.Get({.url = server.Url("/refused")}, &refuse).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(http.Get({.url = "http://127.0.0.1:1/nothing"}, nullptr).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(http.Get({.url = "file:///etc/passwd"}, nullptr).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(CurlTransportTest, AStalledTransferFailsAfterTheProgressTimeout) {
  // Headers and a first chunk arrive, then nothing: pull_progress_timeout ends it.
  CannedServer server({std::string(kStall) + "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc"});
  CurlTransport http(CurlTransport::Options{.stall_timeout = std::chrono::seconds(1)});
  const auto start = std::chrono::steady_clock::now();
  const auto response = http.Get({.url = server.Url("/blob")}, nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("pull_progress_timeout"), std::string::npos)
      << response.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::seconds(3));  // before the server gives up
}

}  // namespace
}  // namespace crio::image
