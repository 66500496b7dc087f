#include "status/http_server.h"

#include <sys/socket.h>

#include <thread>

#include "gtest/gtest.h"
#include "status/status_client.h"
#include "sys/unix_socket.h"
#include "testing/temp_dir.h"

namespace crio::status {
namespace {

HttpResponse Echo(const HttpRequest& request) {
  if (request.target == "/missing") {
    return HttpResponse{.status = 404, .body = R"({"error":"nothing here"})"};
  }
  return HttpResponse{.content_type = "text/plain", .body = request.method + " " + request.target};
}

// Accepts connections on a temp socket and hands them to an HttpServer.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto listener = sys::ListenUnix(path_, 0600);
    ASSERT_TRUE(listener.ok());
    listener_ = std::move(*listener);
    acceptor_ = std::thread([this] {
      for (;;) {
        sys::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!fd) return;
        server_.Submit(std::move(fd));
      }
    });
  }
  void TearDown() override {
    ::shutdown(listener_.get(), SHUT_RDWR);
    acceptor_.join();
    server_.Stop();
  }

  // Sends `requests` on one connection and returns everything the server answered until it
  // closed.
  std::string Exchange(const std::string& requests) {
    auto fd = sys::ConnectUnix(path_);
    EXPECT_TRUE(fd.ok());
    if (!fd.ok()) return "";
    EXPECT_EQ(::send(fd->get(), requests.data(), requests.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(requests.size()));
    std::string received;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd->get(), buffer, sizeof(buffer), 0)) > 0;)
      received.append(buffer, n);
    return received;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.Join("http.sock");
  HttpServer server_{Echo,
                     HttpServer::Options{
                         .threads = 2, .max_queued = 8, .timeout = std::chrono::milliseconds(500)}};
  sys::UniqueFd listener_;
  std::thread acceptor_;
};

TEST_F(HttpServerTest, ClientGetsTheBody) {
  auto body = HttpGet(path_, "/info", std::chrono::seconds(2));
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "GET /info");
}

TEST_F(HttpServerTest, ClientReportsTheServersError) {
  auto body = HttpGet(path_, "/missing", std::chrono::seconds(2));
  ASSERT_EQ(body.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(body.status().message().find("nothing here"), std::string::npos) << body.status();
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string received = Exchange(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(received.find("GET /a"), std::string::npos) << received;
  EXPECT_NE(received.find("GET /b"), std::string::npos) << received;
}

// As Go's server (CRI-O's): header lines may end in a bare "\n".
TEST_F(HttpServerTest, HeadersEndingInBareNewlinesAreServed) {
  const std::string received =
      Exchange("GET /a HTTP/1.1\nHost: x\n\nGET /b HTTP/1.1\nConnection: close\n\n");
  EXPECT_NE(received.find("GET /a"), std::string::npos) << received;
  EXPECT_NE(received.find("GET /b"), std::string::npos) << received;
}

TEST_F(HttpServerTest, SilentClientIsDroppedAfterTheTimeout) {
  auto fd = sys::ConnectUnix(path_);
  ASSERT_TRUE(fd.ok());
  char byte;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd->get(), &byte, 1, 0), 0);  // server closed on us
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HttpServerTest, TricklingClientIsDroppedAfterTheTimeout) {
  auto fd = sys::ConnectUnix(path_);
  ASSERT_TRUE(fd.ok());
  // One byte every 100 ms for 1.5 s: each read is quick, the request as a whole is not.
  const std::string request = "GET /slow HTTP/1.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa";
  for (size_t i = 0; i < 15; ++i) {
    ::send(fd->get(), &request[i], 1, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  char byte;
  EXPECT_EQ(::recv(fd->get(), &byte, 1, MSG_DONTWAIT), 0);  // closed without an answer
}

TEST_F(HttpServerTest, GarbageGetsTheConnectionClosed) {
  auto fd = sys::ConnectUnix(path_);
  ASSERT_TRUE(fd.ok());
  const std::string garbage = "\x01\x02 not http\r\n\r\n";
  ::send(fd->get(), garbage.data(), garbage.size(), MSG_NOSIGNAL);
  char buffer[256];
  ssize_t n;
  while ((n = ::recv(fd->get(), buffer, sizeof(buffer), 0)) > 0) {
  }
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace crio::status
