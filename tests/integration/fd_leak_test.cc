// No descriptor of crio's reaches the programs it starts (CVE-2024-21626's pattern: a
// host fd left open into a child). crio is started holding a descriptor without
// close-on-exec, as a careless parent would leave it; an OCI hook (run by runc, under
// conmon or under `runc start`) and a CNI plugin (a wrapper in front of the real bridge
// plugin) then record `ls -l /proc/self/fd`, and must show only their stdio.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;

// Where the distribution put the CNI plugins the network fixture uses.
std::string RealPluginDir() {
  for (const char* dir : {"/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"}) {
    if (fs::exists(fs::path(dir) / "bridge")) return dir;
  }
  return "/usr/lib/cni";
}

// The fds in the `ls -l /proc/self/fd` listings of `text` that are neither stdio nor ls's
// own handle on the directory it lists, as "N -> target" lines.
std::vector<std::string> UnexpectedFds(const std::string& text) {
  static const std::regex kEntry(R"(\s(\d+) -> (.*)$)");
  static const std::regex kListing(R"(/proc/\d+/fd)");
  std::vector<std::string> unexpected;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch entry;
    if (!std::regex_search(line, entry, kEntry)) continue;
    const std::string fd = entry[1];
    if (fd == "0" || fd == "1" || fd == "2") continue;
    if (std::regex_match(entry[2].str(), kListing)) continue;
    unexpected.push_back(fd + " -> " + entry[2].str());
  }
  return unexpected;
}

// How many `ls` listings `text` holds (each starts with "total").
int Listings(const std::string& text) {
  int count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) count += line.starts_with("total ");
  return count;
}

// The pids other than ours and `except` with an fd open on `path`.
std::vector<std::string> HoldersOf(const std::string& path, pid_t except) {
  std::vector<std::string> holders;
  std::error_code ignored;
  for (const auto& process : fs::directory_iterator("/proc", ignored)) {
    const std::string pid = process.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (pid == std::to_string(::getpid()) || pid == std::to_string(except)) continue;
    for (const auto& fd : fs::directory_iterator(process.path() / "fd", ignored)) {
      std::error_code unreadable;
      if (fs::read_symlink(fd.path(), unreadable) == path) {
        holders.push_back(pid + " (" + ReadText(process.path().string() + "/comm") + ")");
        break;
      }
    }
  }
  return holders;
}

class FdLeakTest : public ContainerTest {
 protected:
  void SetUp() override {
    // The descriptor crio inherits without close-on-exec: high, so it is easy to spot.
    marker_ = dir_.WriteFile("leaked-marker", "");
    const int leaky = ::open(marker_.c_str(), O_RDONLY);
    ASSERT_GE(leaky, 0);
    leaked_fd_ = ::fcntl(leaky, F_DUPFD, 300);
    ::close(leaky);
    ASSERT_GE(leaked_fd_, 300);
    cni_record_ = dir_.Join("cni-fds");
    const std::string wrapper =
        dir_.WriteFile("cni-wrap/bridge", "#!/bin/sh\n"
                                          "echo \"== $CNI_COMMAND\" >> " + cni_record_ + "\n"
                                          "/bin/ls -l /proc/self/fd >> " + cni_record_ + "\n"
                                          "exec " + RealPluginDir() + "/bridge \"$@\"\n");
    fs::permissions(wrapper, fs::perms::owner_all);
    ContainerTest::SetUp();
    ::close(leaked_fd_);  // crio holds its copy
    leaked_fd_ = -1;
  }

  void TearDown() override {
    if (leaked_fd_ >= 0) ::close(leaked_fd_);
    ContainerTest::TearDown();
  }

  std::string ExtraConfig() override {
    return "[crio.network]\nplugin_dirs = [\"" + dir_.Join("cni-wrap") + "\", \"" +
           RealPluginDir() + "\"]\n";
  }

  // A hook for `stage` that appends "== stage" and its fd listing to `record`.
  void AddHook(const std::string& stage, const std::string& script, const std::string& record) {
    const nlohmann::json hook = {
        {"version", "1.0.0"},
        {"hook", {{"path", script}, {"args", nlohmann::json::array({script, stage, record})}}},
        {"when", {{"annotations", {{"^example.com/fds$", "^yes$"}}}}},
        {"stages", nlohmann::json::array({stage})}};
    dir_.WriteFile("hooks.d/50-fds-" + stage + ".json", hook.dump());
  }

  std::string marker_;
  int leaked_fd_ = -1;
  std::string cni_record_;
};

TEST_F(FdLeakTest, CniPluginsSeeOnlyTheirStdio) {
  // SetUp ran a pod: its ADD went through the wrapper. Removing it runs DEL too.
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(pod_);
  v1::StopPodSandboxResponse stopped;
  ASSERT_TRUE(stub_->StopPodSandbox(Context().get(), stop, &stopped).ok());
  const std::string record = ReadText(cni_record_);
  EXPECT_NE(record.find("== ADD"), std::string::npos) << record;
  EXPECT_NE(record.find("== DEL"), std::string::npos) << record;
  EXPECT_GE(Listings(record), 2) << record;
  EXPECT_EQ(UnexpectedFds(record), std::vector<std::string>()) << record;
}

TEST_F(FdLeakTest, HooksAndMonitorsSeeNoDescriptorOfCrios) {
  const std::string record = dir_.Join("hook-fds");
  const std::string script = dir_.WriteFile(
      "fds-hook.sh", "#!/bin/sh\n"
                     "echo \"== $1\" >> \"$2\"\n"
                     "/bin/ls -l /proc/self/fd >> \"$2\"\n"
                     "cat > /dev/null\n");  // the container's state, on stdin
  fs::permissions(script, fs::perms::owner_all);
  AddHook("createRuntime", script, record);  // runc create, under conmon
  AddHook("poststart", script, record);      // runc start, run by crio itself
  v1::ContainerConfig config = Config("hooked", {"sleep", "60"});
  (*config.mutable_annotations())["example.com/fds"] = "yes";
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok());

  const std::string listings = ReadText(record);
  EXPECT_NE(listings.find("== createRuntime"), std::string::npos) << listings;
  EXPECT_NE(listings.find("== poststart"), std::string::npos) << listings;
  EXPECT_EQ(Listings(listings), 2) << listings;
  EXPECT_EQ(UnexpectedFds(listings), std::vector<std::string>()) << listings;
  // conmon, still watching the container, holds nothing crio inherited either.
  EXPECT_EQ(HoldersOf(marker_, crio_->pid()), std::vector<std::string>());
  EXPECT_TRUE(Stop(id, 0).ok());
}

}  // namespace
}  // namespace crio::testing
