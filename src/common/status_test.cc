#include <cerrno>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(ErrnoToStatusTest, MapsCommonErrnosToCodes) {
  EXPECT_EQ(ErrnoToStatus(ENOENT, "open x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoToStatus(EEXIST, "mkdir x").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoToStatus(EACCES, "open x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToStatus(EPERM, "mount").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToStatus(EINVAL, "ioctl").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrnoToStatus(ENOSPC, "write").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoToStatus(EADDRINUSE, "bind").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrnoToStatus(ETIMEDOUT, "connect").code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ErrnoToStatus(EIO, "read").code(), absl::StatusCode::kInternal);
}

TEST(ErrnoToStatusTest, MessageNamesTheOperationAndTheError) {
  EXPECT_EQ(ErrnoToStatus(ENOENT, "open /etc/crio/crio.conf").message(),
            "open /etc/crio/crio.conf: No such file or directory");
}

TEST(AnnotateTest, PrefixesContextAndKeepsCode) {
  const absl::Status status = Annotate(absl::NotFoundError("no such image"), "pull busybox");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "pull busybox: no such image");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "anything").ok());
}

absl::Status FailsWith(absl::StatusCode code) { return absl::Status(code, "boom"); }

absl::Status PropagatesFirstError(int* steps) {
  RETURN_IF_ERROR(absl::OkStatus());
  ++*steps;
  RETURN_IF_ERROR(FailsWith(absl::StatusCode::kAborted));
  ++*steps;
  return absl::OkStatus();
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(const int half, Half(n));
  ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstFailure) {
  int steps = 0;
  EXPECT_EQ(PropagatesFirstError(&steps).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(steps, 1);
}

TEST(StatusMacrosTest, AssignOrReturnUnwrapsOrPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio
