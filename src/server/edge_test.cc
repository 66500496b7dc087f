#include "server/edge.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "cri_api.h"
#include "gtest/gtest.h"
#include "testing/log_capture.h"

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

// Serves `method` with a handler failing with `status`; the lines it logged.
std::vector<testing::LogCapture::Line> LogOfFailure(const std::string& method,
                                                    const absl::Status& status) {
  testing::LogCapture capture;
  RpcEdge edge;
  edge.SetReady();
  v1::VersionResponse response;
  edge.Serve(method, v1::VersionRequest(), &response,
             [&status](const auto&, auto*) { return status; });
  return capture.Matching(method + " " + absl::StatusCodeToString(status.code()));
}

TEST(RpcEdgeTest, FailedRpcsAreLoggedOnceAtWarning) {
  for (const absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kOutOfRange, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kCancelled, absl::StatusCode::kResourceExhausted,
        absl::StatusCode::kUnimplemented, absl::StatusCode::kAborted,
        absl::StatusCode::kUnauthenticated, absl::StatusCode::kPermissionDenied}) {
    const auto lines = LogOfFailure("RemoveContainer", absl::Status(code, "container abc: why"));
    ASSERT_EQ(lines.size(), 1u) << absl::StatusCodeToString(code);
    EXPECT_EQ(lines[0].level, log::Level::kWarn) << lines[0].text;
    EXPECT_NE(lines[0].text.find("RemoveContainer " + absl::StatusCodeToString(code) + " ("),
              std::string::npos)
        << lines[0].text;
    EXPECT_NE(lines[0].text.find("container abc: why"), std::string::npos) << lines[0].text;
  }
}

TEST(RpcEdgeTest, FailuresOfCrioOrTheHostAreLoggedAtError) {
  for (const absl::StatusCode code :
       {absl::StatusCode::kInternal, absl::StatusCode::kUnknown, absl::StatusCode::kDataLoss,
        absl::StatusCode::kUnavailable}) {
    const auto lines = LogOfFailure("CreateContainer", absl::Status(code, "runc create: boom"));
    ASSERT_EQ(lines.size(), 1u) << absl::StatusCodeToString(code);
    EXPECT_EQ(lines[0].level, log::Level::kError) << lines[0].text;
    EXPECT_NE(lines[0].text.find("CreateContainer " + absl::StatusCodeToString(code)),
              std::string::npos)
        << lines[0].text;
    EXPECT_NE(lines[0].text.find("runc create: boom"), std::string::npos) << lines[0].text;
  }
}

TEST(RpcEdgeTest, NotFoundFromPolledStatusRpcsStaysAtDebug) {
  for (const std::string method : {"ContainerStatus", "PodSandboxStatus", "ImageStatus",
                                   "ContainerStats", "PodSandboxStats"}) {
    const auto lines = LogOfFailure(method, absl::NotFoundError("no such object"));
    ASSERT_EQ(lines.size(), 1u) << method;
    EXPECT_EQ(lines[0].level, log::Level::kDebug) << lines[0].text;
    const auto other = LogOfFailure(method, absl::InternalError("broken"));
    ASSERT_EQ(other.size(), 1u) << method;
    EXPECT_EQ(other[0].level, log::Level::kError) << other[0].text;
  }
  const auto removed = LogOfFailure("RemovePodSandbox", absl::NotFoundError("no such pod"));
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].level, log::Level::kWarn);
}

TEST(RpcEdgeTest, SuccessesStayAtDebug) {
  testing::LogCapture capture;
  RpcEdge edge;
  edge.SetReady();
  v1::VersionResponse response;
  edge.Serve("Version", v1::VersionRequest(), &response,
             [](const auto&, auto*) { return absl::OkStatus(); });
  const auto lines = capture.Matching("Version OK");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].level, log::Level::kDebug);
}

TEST(RpcEdgeTest, LoggedFailuresHaveTheRequestsCredentialsScrubbed) {
  testing::LogCapture capture;
  RpcEdge edge;
  edge.SetReady();
  v1::PullImageRequest request;
  request.mutable_image()->set_image("registry.example/app:1");
  request.mutable_auth()->set_username("alice");
  request.mutable_auth()->set_password("s3cret");
  request.mutable_auth()->set_auth("Ym9iOmh1bnRlcjI=");  // bob:hunter2
  request.mutable_auth()->set_registry_token("tok-123");
  v1::PullImageResponse response;
  const grpc::Status status = edge.Serve("PullImage", request, &response, [](const auto&, auto*) {
    return absl::UnauthenticatedError(
        "pull registry.example/app:1: login alice:s3cret, bob:hunter2 "
        "(Ym9iOmh1bnRlcjI=) and token tok-123 refused");
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto lines = capture.Matching("PullImage UNAUTHENTICATED");
  ASSERT_EQ(lines.size(), 1u);
  const std::string& text = lines[0].text;
  EXPECT_EQ(lines[0].level, log::Level::kWarn);
  for (const char* secret : {"s3cret", "hunter2", "Ym9iOmh1bnRlcjI=", "tok-123"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  }
  EXPECT_NE(text.find("registry.example/app:1: login alice:[REDACTED], [REDACTED]"),
            std::string::npos)
      << text;
}

TEST(ScrubCredentialsTest, LeavesMessagesWithoutCredentialsAlone) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image("app:1");
  EXPECT_EQ(ScrubCredentials("pull app:1: not found", request), "pull app:1: not found");
}

}  // namespace
}  // namespace crio::server
