// The built-in RuntimeDefault seccomp profile against the real kernel: a container under it
// cannot reach io_uring, vmsplice or AF_VSOCK and NETLINK_AUDIT sockets, as under CRI-O's
// default profile; an unconfined one can (so the refusals are the profile's).
#include <fstream>
#include <sstream>
#include <string>

#include "testing/tar_builder.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

class SeccompTest : public ContainerTest {
 protected:
  void SetUp() override {
    ContainerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::ifstream file(BinPath("seccomp-probe"), std::ios::binary);
    std::stringstream program;
    program << file.rdbuf();
    ASSERT_FALSE(program.str().empty()) << "seccomp-probe is not built";
    const std::string probe =
        BuildTar({{.name = "usr/local/bin/", .type = kTarDir, .mode = 0755},
                  {.name = "usr/local/bin/seccomp-probe", .content = program.str(), .mode = 0755}},
                 true);
    registry_.Push("test/seccomp-probe", "1", {BusyboxLayer(), probe});
    probe_image_ = registry_.host() + "/test/seccomp-probe:1";
    const grpc::Status status = Pull(probe_image_);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // What the probe printed in a container with `profile`.
  std::string Probe(const std::string& name, v1::SecurityProfile::ProfileType profile) {
    v1::ContainerConfig config = Config(name, {"/usr/local/bin/seccomp-probe"});
    config.mutable_image()->set_image(probe_image_);
    config.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
        profile);
    const std::string id = Create(config);
    EXPECT_TRUE(Start(id).ok());
    const v1::ContainerStatus status = WaitForExit(id);
    EXPECT_EQ(status.exit_code(), 0);
    return ReadText(status.log_path());
  }

  static bool Printed(const std::string& log, const std::string& line) {
    return log.find("stdout F " + line + "\n") != std::string::npos;
  }

  std::string probe_image_;
};

TEST_F(SeccompTest, RuntimeDefaultRefusesIoUringVmspliceAndVsock) {
  const std::string confined = Probe("confined", v1::SecurityProfile::RuntimeDefault);
  EXPECT_TRUE(Printed(confined, "io_uring_setup errno=38")) << confined;  // ENOSYS: not named
  EXPECT_TRUE(Printed(confined, "vmsplice errno=1")) << confined;         // EPERM
  EXPECT_TRUE(Printed(confined, "socket_vsock errno=1")) << confined;     // EPERM
  EXPECT_TRUE(Printed(confined, "socket_audit errno=22")) << confined;    // no CAP_AUDIT_WRITE
  EXPECT_TRUE(Printed(confined, "socket_inet ok")) << confined;

  // Unconfined, the same calls fail (or not) on their own terms.
  const std::string unconfined = Probe("unconfined", v1::SecurityProfile::Unconfined);
  EXPECT_FALSE(Printed(unconfined, "io_uring_setup errno=38")) << unconfined;
  EXPECT_TRUE(Printed(unconfined, "vmsplice errno=9")) << unconfined;  // EBADF
  EXPECT_FALSE(Printed(unconfined, "socket_vsock errno=1")) << unconfined;
  EXPECT_FALSE(Printed(unconfined, "socket_audit errno=22")) << unconfined;
}

}  // namespace
}  // namespace crio::testing
