#include "oci/conmon_runtime.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::oci {
namespace {

ConmonOptions Options() {
  return {.conmon_path = "/usr/bin/conmon",
          .runtime_path = "/usr/sbin/runc",
          .runtime_root = "/run/runc",
          .monitor_env = {"PATH=/usr/bin"},
          .exits_dir = "/run/crio/exits",
          .attach_socket_dir = "/run/crio",
          .log_level = "info"};
}

bool Has(const std::vector<std::string>& args, const std::string& flag,
         const std::string& value = "") {
  auto it = std::find(args.begin(), args.end(), flag);
  if (it == args.end()) return false;
  return value.empty() || (std::next(it) != args.end() && *std::next(it) == value);
}

TEST(ConmonRuntimeTest, ArgsFollowCrioOs) {
  ConmonRuntime runtime(Options());
  const auto args = runtime.ConmonArgs({.id = "abc",
                                        .name = "k8s_web",
                                        .bundle = "/run/b/abc",
                                        .persist_dir = "/var/lib/b/abc",
                                        .log_path = "/var/log/pods/x/web/0.log"});
  EXPECT_EQ(args.front(), "/usr/bin/conmon");
  EXPECT_TRUE(Has(args, "-b", "/run/b/abc"));
  EXPECT_TRUE(Has(args, "-c", "abc"));
  EXPECT_TRUE(Has(args, "-u", "abc"));
  EXPECT_TRUE(Has(args, "--exit-dir", "/run/crio/exits"));
  EXPECT_TRUE(Has(args, "-l", "/var/log/pods/x/web/0.log"));
  EXPECT_TRUE(Has(args, "-P", "/run/b/abc/conmon-pidfile"));
  EXPECT_TRUE(Has(args, "-p", "/run/b/abc/pidfile"));
  EXPECT_TRUE(Has(args, "--persist-dir", "/var/lib/b/abc"));
  EXPECT_TRUE(Has(args, "-r", "/usr/sbin/runc"));
  EXPECT_TRUE(Has(args, "--runtime-arg", "--root=/run/runc"));
  EXPECT_FALSE(Has(args, "-t"));
  EXPECT_FALSE(Has(args, "-i"));
  EXPECT_FALSE(Has(args, "-s"));
}

TEST(ConmonRuntimeTest, TtyStdinAndCgroupFlags) {
  ConmonOptions options = Options();
  options.systemd_cgroup = true;
  options.log_size_max = 8192;
  ConmonRuntime runtime(options);
  auto args = runtime.ConmonArgs({.id = "a", .tty = true, .stdin = true});
  EXPECT_TRUE(Has(args, "-t"));
  EXPECT_FALSE(Has(args, "-i"));
  EXPECT_TRUE(Has(args, "-s"));
  EXPECT_TRUE(Has(args, "--log-size-max", "8192"));
  args = runtime.ConmonArgs({.id = "a", .stdin = true, .stdin_once = false});
  EXPECT_TRUE(Has(args, "-i"));
  EXPECT_TRUE(Has(args, "--leave-stdin-open"));
  args = runtime.ConmonArgs({.id = "a", .stdin = true, .stdin_once = true});
  EXPECT_FALSE(Has(args, "--leave-stdin-open"));
}

TEST(ConmonRuntimeTest, RuntimeErrorsAboutMissingContainersAreNotFound) {
  testing::TempDir dir;
  ConmonOptions options = Options();
  options.runtime_root = dir.Join("runc");
  ConmonRuntime runtime(options);
  EXPECT_EQ(runtime.State("no-such-container").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(runtime.Delete("no-such-container").ok());
}

}  // namespace
}  // namespace crio::oci
