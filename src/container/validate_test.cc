#include "container/validate.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::container {
namespace {

ContainerRequest Valid() {
  ContainerRequest request;
  request.name = "app";
  request.image = "busybox";
  return request;
}

void ExpectInvalid(const absl::Status& status, const std::string& mentions) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(mentions), std::string::npos) << status;
}

TEST(ValidateRequestTest, AcceptsAPlainContainer) { EXPECT_TRUE(ValidateRequest(Valid()).ok()); }

// CRI-O's ctr.bats "ctr HOME env newline invalid".
TEST(ValidateRequestTest, AHomeWithANewlineIsRefused) {
  ContainerRequest request = Valid();
  request.env = {"HOME==/root:/sbin/nologin\ntest::0:0::/:/bin/bash"};
  EXPECT_EQ(ValidateRequest(request).message(), "invalid HOME environment; newline not allowed");
  request.env = {R"(HOME==/root:/sbin/nologin\ntest::0:0::/:/bin/bash)"};  // as ctr.bats sends it
  EXPECT_EQ(ValidateRequest(request).message(), "invalid HOME environment; newline not allowed");
  request.env = {"HOME=/home/user", "MOTD=two\nlines"};
  EXPECT_TRUE(ValidateRequest(request).ok()) << "other values may span lines";
}

TEST(ValidateRequestTest, LabelsAndAnnotationsAreCappedLikeAPods) {
  ContainerRequest request = Valid();
  request.labels["big"] = std::string(5000, 'x');
  ExpectInvalid(ValidateRequest(request), "container labels \"big\"");
  request = Valid();
  for (int i = 0; i < 1025; ++i) request.annotations["a" + std::to_string(i)] = "v";
  ExpectInvalid(ValidateRequest(request), "more than 1024 container annotations");
}

TEST(ValidateRequestTest, RecursiveReadOnlyIsRefusedNotIgnored) {
  ContainerRequest request = Valid();
  request.mounts.push_back(
      {.container_path = "/data", .host_path = "/srv/data", .readonly = true,
       .recursive_read_only = true});
  ExpectInvalid(ValidateRequest(request), "recursive read-only mounts are not supported");
}

TEST(ValidateRequestTest, HostProcAndSysNeverCoverTheContainersUnlessPrivileged) {
  for (const auto& [host, target] :
       {std::pair{"/proc", "/proc"}, std::pair{"/sys", "/sys"}, std::pair{"/proc/1", "/proc/1"},
        std::pair{"/sys/fs/cgroup", "/sys/fs/cgroup"}, std::pair{"//proc/./", "/proc/../sys"}}) {
    ContainerRequest request = Valid();
    request.mounts.push_back({.container_path = target, .host_path = host});
    ExpectInvalid(ValidateRequest(request), "may not mount the host's /proc or /sys");
    request.privileged = true;
    EXPECT_TRUE(ValidateRequest(request).ok()) << host;
  }
  ContainerRequest elsewhere = Valid();
  elsewhere.mounts.push_back({.container_path = "/host/proc", .host_path = "/proc"});
  elsewhere.mounts.push_back({.container_path = "/proc/driver/x", .host_path = "/srv/x"});
  EXPECT_TRUE(ValidateRequest(elsewhere).ok());
}

TEST(ValidateRequestTest, AWorkingDirectoryUnderProcIsRefused) {
  ContainerRequest request = Valid();
  request.working_dir = "/proc/self/fd/7";
  ExpectInvalid(ValidateRequest(request), "CVE-2024-21626");
  request.working_dir = "/tmp/../proc/self/fd/8";
  ExpectInvalid(ValidateRequest(request), "is under /proc");
  request.working_dir = "relative";
  ExpectInvalid(ValidateRequest(request), "must be an absolute path");
  request.working_dir = "/process";
  EXPECT_TRUE(ValidateRequest(request).ok());
}

TEST(CheckWorkingDirTest, AnImagesSymlinkIntoProcIsRefused) {
  testing::TempDir rootfs;
  std::filesystem::create_directories(rootfs.Join("proc"));
  ASSERT_EQ(::symlink("/proc/self/fd/7", rootfs.Join("work").c_str()), 0);
  ExpectInvalid(CheckWorkingDir("/work", rootfs.path()), "(resolved to /proc/self/fd/7)");
  EXPECT_TRUE(CheckWorkingDir("/srv/new", rootfs.path()).ok());
}

TEST(ValidateForPodTest, APrivilegedContainerNeedsAPrivilegedPod) {
  sandbox::Sandbox pod;
  pod.id = "pod1";
  ContainerRequest request = Valid();
  request.privileged = true;
  ExpectInvalid(ValidateForPod(request, pod), "no privileged container allowed in sandbox pod1");
  pod.spec.privileged = true;
  EXPECT_TRUE(ValidateForPod(request, pod).ok());
  request.privileged = false;
  EXPECT_TRUE(ValidateForPod(request, pod).ok());
}

TEST(CleanPathTest, ResolvesDotsLexically) {
  EXPECT_EQ(CleanPath("//proc/./self/../1/"), "/proc/1");
  EXPECT_EQ(CleanPath("/../.."), "/");
  EXPECT_EQ(CleanPath(""), "/");
}

TEST(ValidateForPodTest, AnRdtClassIsRefusedForRdtIsOff) {
  sandbox::Sandbox pod;
  ContainerRequest request = Valid();
  pod.spec.annotations["rdt.resources.beta.kubernetes.io/pod"] = "gold";
  const absl::Status refused = ValidateForPod(request, pod);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(), "RDT disabled, refusing to set RDT class of container \"" +
                                   request.name + "\" to \"gold\"");
  pod.spec.annotations.clear();
  EXPECT_TRUE(ValidateForPod(request, pod).ok());
}

TEST(ResourceClassTest, TheContainersOwnAnnotationWinsOverThePods) {
  const std::string prefix = "blockio.resources.beta.kubernetes.io";
  std::map<std::string, std::string> container;
  std::map<std::string, std::string> pod = {{prefix + "/pod", "slow"}};
  EXPECT_EQ(ResourceClassFromAnnotations(prefix, "web", container, pod), "slow");
  pod[prefix + "/container.web"] = "fast";
  EXPECT_EQ(ResourceClassFromAnnotations(prefix, "web", container, pod), "fast");
  EXPECT_EQ(ResourceClassFromAnnotations(prefix, "db", container, pod), "slow");
  container[prefix + "/container.web"] = "own";
  EXPECT_EQ(ResourceClassFromAnnotations(prefix, "web", container, pod), "own");
  EXPECT_EQ(ResourceClassFromAnnotations(prefix, "web", {}, {}), "");
}

}  // namespace
}  // namespace crio::container
