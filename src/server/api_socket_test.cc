#include "server/api_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include "cri_api.h"
#include "gtest/gtest.h"
#include "server/cri_server.h"
#include "server/runtime_service.h"
#include "sys/unix_socket.h"
#include "testing/fake_domain.h"
#include "testing/temp_dir.h"

namespace crio::server {
namespace {

namespace v1 = runtime::v1;

void Send(int fd, std::string_view bytes) {
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

TEST(ApiSocketTest, CreatesPrivateParentAndGroupSocket) {
  testing::TempDir dir;
  const std::string path = dir.Join("run/crio/crio.sock");
  auto socket = ApiSocket::Open(path);
  ASSERT_TRUE(socket.ok()) << socket.status();
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0660u);
  ASSERT_EQ(stat(dir.Join("run/crio").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST(ApiSocketTest, SecondOpenOnTheSamePathFailsClearly) {
  testing::TempDir dir;
  const std::string path = dir.Join("crio.sock");
  auto first = ApiSocket::Open(path);
  ASSERT_TRUE(first.ok());
  auto second = ApiSocket::Open(path);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another crio is already running on " + path),
            std::string::npos)
      << second.status();
  EXPECT_TRUE(sys::ConnectUnix(path).ok());  // the first one still serves
}

TEST(ApiSocketTest, StaleSocketIsReplacedAndStopRemovesIt) {
  testing::TempDir dir;
  const std::string path = dir.Join("crio.sock");
  { auto stale = sys::ListenUnix(path, 0600); }  // listener closed, file left behind
  auto socket = ApiSocket::Open(path);
  ASSERT_TRUE(socket.ok()) << socket.status();
  (*socket)->Start([](sys::UniqueFd) {}, [](sys::UniqueFd) {});
  (*socket)->Stop();
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_NE(access((path + ".lock").c_str(), F_OK), 0);
}

TEST(ApiSocketTest, RoutesByFirstBytes) {
  testing::TempDir dir;
  const std::string path = dir.Join("crio.sock");
  auto socket = ApiSocket::Open(path);
  ASSERT_TRUE(socket.ok());
  std::promise<std::string> grpc_seen, http_seen;
  auto first_bytes = [](int fd) {
    char buffer[8] = {};
    return std::string(buffer, std::max<ssize_t>(0, ::recv(fd, buffer, 3, MSG_PEEK)));
  };
  (*socket)->Start([&](sys::UniqueFd fd) { grpc_seen.set_value(first_bytes(fd.get())); },
                   [&](sys::UniqueFd fd) { http_seen.set_value(first_bytes(fd.get())); });
  auto grpc_client = sys::ConnectUnix(path);
  auto http_client = sys::ConnectUnix(path);
  ASSERT_TRUE(grpc_client.ok() && http_client.ok());
  Send(grpc_client->get(), "PR");  // a preface split across writes still routes right
  Send(http_client->get(), "GET /info HTTP/1.1\r\n\r\n");
  usleep(50 * 1000);
  Send(grpc_client->get(), "I * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  auto grpc_future = grpc_seen.get_future();
  auto http_future = http_seen.get_future();
  ASSERT_EQ(grpc_future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  ASSERT_EQ(http_future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(grpc_future.get(), "PRI");
  EXPECT_EQ(http_future.get(), "GET");
  (*socket)->Stop();
}

class AlwaysReady final : public network::NetworkReadiness {
 public:
  absl::Status Check() override { return absl::OkStatus(); }
};

TEST(ApiSocketTest, ServesGrpcEndToEnd) {
  testing::TempDir dir;
  const std::string path = dir.Join("crio.sock");
  RpcEdge edge;
  edge.SetReady();
  config::LiveConfig config{config::Config{}};
  AlwaysReady network;
  RuntimeFacts facts{.cgroup_manager = "cgroupfs"};
  testing::FakeDomain domain(dir.path());
  RuntimeService service(edge, config, network, facts, domain.sandboxes, domain.containers,
                         domain.container_stats, *domain.streaming);
  auto server = CriServer::Start({&service}, CriServer::Options{});
  ASSERT_TRUE(server.ok());
  auto socket = ApiSocket::Open(path);
  ASSERT_TRUE(socket.ok());
  (*socket)->Start([&](sys::UniqueFd fd) { (*server)->Adopt(std::move(fd)); },
                   [](sys::UniqueFd) {});

  auto channel = grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials());
  auto stub = v1::RuntimeService::NewStub(channel);
  for (int i = 0; i < 3; ++i) {  // several calls on one connection, then new connections
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::VersionResponse response;
    const grpc::Status status = stub->Version(&context, v1::VersionRequest(), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.runtime_api_version(), "v1");
  }
  (*socket)->Stop();
  (*server)->Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace crio::server
