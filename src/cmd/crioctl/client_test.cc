#include "cmd/crioctl/client.h"

#include "gtest/gtest.h"

namespace crio::crioctl {
namespace {

TEST(SocketPathTest, AcceptsUnixUrlsAndAbsolutePaths) {
  EXPECT_EQ(*SocketPath("unix:///run/crio/crio.sock"), "/run/crio/crio.sock");
  EXPECT_EQ(*SocketPath("/run/crio/crio.sock"), "/run/crio/crio.sock");
}

TEST(SocketPathTest, RefusesOtherTransportsAndRelativePaths) {
  for (const char* endpoint : {"tcp://127.0.0.1:1234", "relative.sock", "unix://relative.sock",
                               "unix://", "", "npipe:////./pipe/crio"}) {
    const auto path = SocketPath(endpoint);
    ASSERT_FALSE(path.ok()) << endpoint;
    EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ClientTest, ConnectFailsOnlyOnMalformedEndpoints) {
  EXPECT_TRUE(Client::Connect({.runtime_endpoint = "unix:///nonexistent/crio.sock"}).ok());
  const auto bad_image =
      Client::Connect({.runtime_endpoint = "/run/crio.sock", .image_endpoint = "tcp://x:1"});
  ASSERT_FALSE(bad_image.ok());
  EXPECT_NE(bad_image.status().message().find("tcp://x:1"), absl::string_view::npos);
}

TEST(ClientTest, ImageEndpointDefaultsToTheRuntimeEndpoint) {
  auto same = Client::Connect({.runtime_endpoint = "unix:///run/a.sock"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)->image_endpoint(), "unix:///run/a.sock");
  auto split = Client::Connect(
      {.runtime_endpoint = "unix:///run/a.sock", .image_endpoint = "unix:///run/b.sock"});
  ASSERT_TRUE(split.ok());
  EXPECT_EQ((*split)->runtime_endpoint(), "unix:///run/a.sock");
  EXPECT_EQ((*split)->image_endpoint(), "unix:///run/b.sock");
}

TEST(DescribeRpcErrorTest, UsesGoCodeNames) {
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no")),
            "rpc error: code = Unimplemented desc = no");
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow")),
            "rpc error: code = DeadlineExceeded desc = slow");
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "who")),
            "rpc error: code = Unauthenticated desc = who");
}

}  // namespace
}  // namespace crio::crioctl
