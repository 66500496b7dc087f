#include "sandbox/link_logs.h"

#include "gtest/gtest.h"

namespace crio::sandbox {
namespace {

TEST(LinkedLogsPathsTest, AreTheKubeletsDirectories) {
  const PodMetadata pod{.name = "web", .uid = "0f1e", .namespace_ = "shop", .attempt = 0};
  auto paths = LinkedLogsPaths({}, pod, "logging-volume");
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_EQ(paths->pod_logs, "/var/log/pods/shop_web_0f1e");
  EXPECT_EQ(paths->volume,
            "/var/lib/kubelet/pods/0f1e/volumes/kubernetes.io~empty-dir/logging-volume");
  EXPECT_EQ(paths->mount_point, paths->volume + "/logs");
}

TEST(LinkedLogsPathsTest, RefuseWhatCouldLeaveThem) {
  const PodMetadata pod{.name = "web", .uid = "0f1e", .namespace_ = "shop", .attempt = 0};
  for (const char* volume : {"", "Logs", "-logs", "logs-", "../etc", "a/b"}) {
    const auto paths = LinkedLogsPaths({}, pod, volume);
    ASSERT_FALSE(paths.ok()) << volume;
    EXPECT_NE(paths.status().message().find("empty dir vol name is invalid"), std::string::npos);
  }
  for (const char* uid : {"..", "a/../../b", "."}) {
    PodMetadata escaping = pod;
    escaping.uid = uid;
    EXPECT_FALSE(LinkedLogsPaths({}, escaping, "logs").ok()) << uid;
  }
}

}  // namespace
}  // namespace crio::sandbox
