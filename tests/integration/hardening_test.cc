// Hostile input against the real daemon: images that plant FIFOs, device nodes and
// symlinks into /proc, requests that reach for the host, a call stuck past the shutdown
// bound, and a storage root that belongs to another tool. Each must get a clear error,
// leave crio serving and leave nothing behind (docs/security.md lists which test proves what).
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "cri_api.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "testing/tar_builder.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;

class HardeningTest : public ContainerTest {
 protected:
  // Pushes busybox with `top` as an extra layer and pulls it; returns its reference.
  std::string PushAndPull(const std::string& name, const std::vector<TarEntry>& top,
                          const ImageConfig& config = ImageConfig{}) {
    registry_.Push("test/" + name, "latest", {BusyboxLayer(), BuildTar(top, /*gzip=*/true)},
                   config);
    const std::string image = registry_.host() + "/test/" + name + ":latest";
    const grpc::Status status = Pull(image);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return image;
  }

  grpc::Status TryCreate(const v1::ContainerConfig& config, const std::string& pod = "") {
    v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod.empty() ? pod_ : pod);
    *request.mutable_config() = config;
    v1::CreateContainerResponse response;
    return stub_->CreateContainer(Context().get(), request, &response);
  }

  int ContainerCount() {
    v1::ListContainersResponse list;
    EXPECT_TRUE(stub_->ListContainers(Context().get(), v1::ListContainersRequest(), &list).ok());
    return list.containers_size();
  }

  void ExpectStillServing() {
    v1::VersionResponse version;
    EXPECT_TRUE(stub_->Version(Context().get(), v1::VersionRequest(), &version).ok());
    const std::string id = Create(Config("healthy", {"true"}));
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(Start(id).ok());
    EXPECT_EQ(WaitForExit(id).exit_code(), 0);
  }

  std::string RuncList() const {
    return RunCommand({"runc", "--root", dir_.Join("runc"), "list", "-q"}).out;
  }
};

TEST_F(HardeningTest, AnImageIdentityFileThatIsAFifoOrADeviceIsRefused) {
  const std::string fifo = PushAndPull(
      "fifo-passwd", {{.name = "etc/", .type = kTarDir, .mode = 0755},
                      {.name = "etc/passwd", .type = kTarFifo}});
  v1::ContainerConfig config = Config("fifo", {"true"});
  config.mutable_image()->set_image(fifo);
  grpc::Status status = TryCreate(config);  // blocked forever before the fix
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("/etc/passwd"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("is a FIFO, not a regular file"), std::string::npos)
      << status.error_message();

  const std::string device = PushAndPull(
      "device-group", {{.name = "etc/", .type = kTarDir, .mode = 0755},
                       {.name = "etc/group", .type = kTarCharDevice, .rdev = makedev(1, 5)}});
  config = Config("device", {"true"});
  config.mutable_image()->set_image(device);
  status = TryCreate(config);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("etc/group is a character device"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(ContainerCount(), 0);
  ExpectStillServing();
}

TEST_F(HardeningTest, AnImageWorkdirThatLeadsIntoProcIsRefused) {
  const std::string linked =
      PushAndPull("workdir-link", {{.name = "work", .type = kTarSymlink, .link = "/proc/self/fd/7"}},
                  ImageConfig{.working_dir = "/work"});
  v1::ContainerConfig config = Config("leaky", {"true"});
  config.mutable_image()->set_image(linked);
  grpc::Status status = TryCreate(config);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("(resolved to /proc/self/fd/7)"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("CVE-2024-21626"), std::string::npos);

  const std::string direct =
      PushAndPull("workdir-proc", {{.name = "srv/", .type = kTarDir, .mode = 0755}},
                  ImageConfig{.working_dir = "/proc/self/fd/8"});
  config.mutable_image()->set_image(direct);
  EXPECT_EQ(TryCreate(config).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ContainerCount(), 0);
  ExpectStillServing();
}

TEST_F(HardeningTest, RequestsAContainerMayNeverMakeAreRefusedAndChangeNothing) {
  struct Case {
    const char* what;
    void (*hostile)(v1::ContainerConfig&);
    const char* mentions;
  };
  const Case cases[] = {
      {"host /proc over the container's",
       [](v1::ContainerConfig& c) {
         v1::Mount* mount = c.add_mounts();
         mount->set_host_path("/proc");
         mount->set_container_path("/proc");
       },
       "may not mount the host's /proc or /sys"},
      {"host /sys/fs/cgroup over the container's",
       [](v1::ContainerConfig& c) {
         v1::Mount* mount = c.add_mounts();
         mount->set_host_path("/sys/fs/cgroup");
         mount->set_container_path("/sys/fs/cgroup");
       },
       "may not mount the host's /proc or /sys"},
      {"recursive read-only",
       [](v1::ContainerConfig& c) {
         v1::Mount* mount = c.add_mounts();
         mount->set_host_path("/tmp");
         mount->set_container_path("/data");
         mount->set_readonly(true);
         mount->set_recursive_read_only(true);
       },
       "recursive read-only mounts are not supported"},
      {"working dir in a leaked fd",
       [](v1::ContainerConfig& c) { c.set_working_dir("/proc/self/fd/7"); }, "CVE-2024-21626"},
      {"oversized label",
       [](v1::ContainerConfig& c) { (*c.mutable_labels())["big"] = std::string(5000, 'x'); },
       "container labels \"big\""},
      {"oversized annotation",
       [](v1::ContainerConfig& c) { (*c.mutable_annotations())["big"] = std::string(5000, 'x'); },
       "container annotations \"big\""},
  };
  for (const Case& hostile : cases) {
    v1::ContainerConfig config = Config("hostile", {"true"});
    hostile.hostile(config);
    const grpc::Status status = TryCreate(config);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << hostile.what;
    EXPECT_NE(status.error_message().find(hostile.mentions), std::string::npos)
        << hostile.what << ": " << status.error_message();
  }
  // Privileged mode needs a privileged pod.
  const std::string plain_pod = RunPod("plain");
  v1::ContainerConfig privileged = Config("privileged", {"true"});
  privileged.mutable_linux()->mutable_security_context()->set_privileged(true);
  const grpc::Status refused = TryCreate(privileged, plain_pod);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("no privileged container allowed in sandbox"),
            std::string::npos)
      << refused.error_message();
  EXPECT_EQ(ContainerCount(), 0);
  EXPECT_EQ(RuncList(), "");
  ExpectStillServing();
}

TEST_F(HardeningTest, ShutdownDoesNotWaitForAStuckCallAndTheNextStartCleansUp) {
  // A hook that holds CreateContainer (inside `runc create`) until the test releases it.
  const std::string started = dir_.Join("hook-started"), release = dir_.Join("hook-release"),
                    done = dir_.Join("hook-done");
  const std::string script = dir_.WriteFile(
      "stuck-hook.sh", "#!/bin/sh\ntouch " + started + "\ni=0\nwhile [ ! -e " + release +
                           " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\ntouch " + done +
                           "\n");
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  dir_.WriteFile("hooks.d/40-stuck.json",
                 R"({"version":"1.0.0","hook":{"path":")" + script +
                     R"("},"when":{"annotations":{"^example.com/stuck$":"^yes$"}},)"
                     R"("stages":["createRuntime"]})");
  absl::Cleanup unblock = [&] { std::ofstream(release).flush(); };
  v1::ContainerConfig config = Config("stuck", {"true"});
  (*config.mutable_annotations())["example.com/stuck"] = "yes";
  grpc::Status stuck_status;
  std::thread call([&] { stuck_status = TryCreate(config); });
  for (int i = 0; i < 200 && !fs::exists(started); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(started)) << crio_->Log();

  EXPECT_EQ(crio_->Stop(), 0);  // within its bound, though the call never finished
  call.join();
  EXPECT_FALSE(stuck_status.ok());
  EXPECT_FALSE(fs::exists(done));  // crio left while the call was still stuck
  EXPECT_NE(crio_->Log().find("1 CRI calls did not finish within 10s of the shutdown "
                              "(CreateContainer); exiting without them"),
            std::string::npos)
      << crio_->Log();

  // Let the abandoned `runc create` finish: a container nobody will ever start.
  std::ofstream(release).flush();
  for (int i = 0; i < 200 && RuncList().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(RuncList(), "");

  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  EXPECT_NE(crio_->Log().find("crio stopped while creating it"), std::string::npos)
      << crio_->Log();
  EXPECT_EQ(RuncList(), "");
  EXPECT_EQ(ContainerCount(), 0);
  std::ifstream mounts("/proc/self/mountinfo");
  const std::string table((std::istreambuf_iterator<char>(mounts)), {});
  EXPECT_EQ(table.find(crio_->dir().Join("lib/overlay-containers")), std::string::npos);
  ExpectStillServing();
}

// crio pointed at a root it does not own.
class StorageRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  }

  // Every path under `root` with its size: what "left as it was" means.
  static std::map<std::string, uintmax_t> Listing(const std::string& root) {
    std::map<std::string, uintmax_t> listing;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      listing[entry.path().string()] = entry.is_regular_file() ? entry.file_size() : 0;
    }
    return listing;
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? info.st_mode & 07777 : 0;
  }

  TempDir dir_;
};

TEST_F(StorageRootTest, StateIsReadableByRootOnlyEvenInAPreCreatedOpenRoot) {
  CrioDaemon crio;
  const std::string root = crio.dir().Join("lib");
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_TRUE(crio.Start()) << crio.Log();
  EXPECT_EQ(ModeOf(root), 0700u);
  EXPECT_EQ(ModeOf(root + "/state.db"), 0600u);
  EXPECT_EQ(ModeOf(root + "/overlay-images"), 0700u);
  EXPECT_NE(crio.Log().find(root + " was mode 0755; tightened to 0700"), std::string::npos)
      << crio.Log();
  EXPECT_EQ(crio.Stop(), 0);
}

}  // namespace
}  // namespace crio::testing
