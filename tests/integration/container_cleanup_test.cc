// A removed container leaves nothing behind in crio's run dirs: conmon links
// ATTACH_SOCKET_DIR/ID to the bundle and writes EXITS_DIR/ID, and neither may outlive the
// container, whether it ran and exited, was still running, or was never started.
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;

// The names in `dir` that contain `id`.
std::vector<std::string> NamedAfter(const std::string& dir, const std::string& id) {
  std::vector<std::string> found;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (name.find(id) != std::string::npos) found.push_back(dir + "/" + name);
  }
  return found;
}

TEST_F(ContainerTest, RemovedContainersLeaveNothingInTheAttachAndExitsDirs) {
  const std::string attach_dir = crio_->dir().Join("run");  // container_attach_socket_dir
  const std::string exits_dir = crio_->dir().Join("run/exits");
  const std::string exited = Create(Config("exited", {"sh", "-c", "exit 0"}));
  // PID 1 of its namespace: it must handle SIGTERM, or Remove waits for the stop timeout.
  const std::string running =
      Create(Config("running", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"}));
  const std::string never_started = Create(Config("never-started", {"sleep", "600"}));
  ASSERT_FALSE(exited.empty());
  ASSERT_FALSE(running.empty());
  ASSERT_FALSE(never_started.empty());
  ASSERT_TRUE(Start(exited).ok());
  ASSERT_TRUE(Start(running).ok());
  ASSERT_EQ(WaitForExit(exited).state(), v1::CONTAINER_EXITED) << crio_->Log();

  // What conmon made for them while they lived.
  for (const std::string& id : {exited, running, never_started}) {
    EXPECT_TRUE(fs::is_symlink(attach_dir + "/" + id)) << id;
  }
  EXPECT_TRUE(fs::exists(exits_dir + "/" + exited));

  for (const std::string& id : {exited, running, never_started}) {
    ASSERT_TRUE(Remove(id).ok()) << id << crio_->Log();
  }
  for (const std::string& id : {exited, running, never_started}) {
    EXPECT_EQ(NamedAfter(attach_dir, id), std::vector<std::string>{}) << id;
    EXPECT_EQ(NamedAfter(exits_dir, id), std::vector<std::string>{}) << id;
  }
}

}  // namespace
}  // namespace crio::testing
