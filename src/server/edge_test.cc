#include "server/edge.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "cri_api.h"
#include "gtest/gtest.h"

namespace crio::server {
namespace {

namespace v1 = runtime::v1;

TEST(RedactedTextTest, HidesCredentialsAndKeepsTheRest) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image("registry.example/app:1");
  request.mutable_auth()->set_username("alice");
  request.mutable_auth()->set_password("s3cret");
  request.mutable_auth()->set_auth("YWxpY2U6czNjcmV0");
  request.mutable_auth()->set_registry_token("tok");
  const std::string text = RedactedText(request);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("YWxpY2U6czNjcmV0"), std::string::npos) << text;
  EXPECT_EQ(text.find("tok\""), std::string::npos) << text;
  EXPECT_NE(text.find("registry.example/app:1"), std::string::npos) << text;
  EXPECT_NE(text.find("alice"), std::string::npos) << text;
  EXPECT_NE(text.find("[REDACTED]"), std::string::npos) << text;
  EXPECT_EQ(request.auth().password(), "s3cret");  // the original is untouched
}

TEST(ToGrpcStatusTest, KeepsCodeAndMessage) {
  const grpc::Status status = ToGrpcStatus(absl::NotFoundError("no such pod"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such pod");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(RpcEdgeTest, RefusesCallsUntilReady) {
  RpcEdge edge;
  v1::VersionRequest request;
  v1::VersionResponse response;
  int calls = 0;
  auto handler = [&](const v1::VersionRequest&, v1::VersionResponse*) {
    ++calls;
    return absl::OkStatus();
  };
  EXPECT_EQ(edge.Serve("Version", request, &response, handler).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(calls, 0);
  edge.SetReady();
  EXPECT_TRUE(edge.Serve("Version", request, &response, handler).ok());
  EXPECT_EQ(calls, 1);
}

TEST(RpcEdgeTest, HandlerErrorsReachTheClient) {
  RpcEdge edge;
  edge.SetReady();
  v1::VersionRequest request;
  v1::VersionResponse response;
  const grpc::Status status = edge.Serve("Version", request, &response, [](const auto&, auto*) {
    return absl::InvalidArgumentError("bad version");
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "bad version");
}

TEST(RpcEdgeTest, DrainWaitsForCallsInFlightAndRefusesNewOnes) {
  RpcEdge edge;
  edge.SetReady();
  absl::Notification entered, release;
  std::thread call([&] {
    v1::VersionResponse response;
    edge.Serve("Version", v1::VersionRequest(), &response, [&](const auto&, auto*) {
      entered.Notify();
      release.WaitForNotification();
      return absl::OkStatus();
    });
  });
  entered.WaitForNotification();
  EXPECT_EQ(edge.Drain(std::chrono::milliseconds(50)),
            std::vector<std::string>{"Version"});  // still running, named
  v1::VersionResponse response;
  const grpc::Status refused = edge.Serve("Version", v1::VersionRequest(), &response,
                                          [](const auto&, auto*) { return absl::OkStatus(); });
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(refused.error_message(), "crio is shutting down");
  release.Notify();
  EXPECT_TRUE(edge.Drain(std::chrono::seconds(5)).empty());
  call.join();
}

TEST(RpcEdgeTest, UnimplementedNamesTheFeature) {
  RpcEdge edge;
  EXPECT_EQ(edge.Unimplemented("PullImage", "images").error_code(), grpc::StatusCode::UNAVAILABLE);
  edge.SetReady();
  const grpc::Status status = edge.Unimplemented("PullImage", "images");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(status.error_message(),
            "PullImage is not implemented yet: it arrives with images support");
}

}  // namespace
}  // namespace crio::server
