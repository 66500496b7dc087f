// The command line alone: help, usage errors, flag and endpoint checks. Runs against
// sockets that do not exist; verbs_test.cc covers a live runtime.
#include "cmd/crioctl/cli.h"

#include <stdlib.h>

#include <sstream>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"

namespace crio::crioctl {
namespace {

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result Crioctl(std::vector<std::string> args) {
  args.insert(args.begin(), "crioctl");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  const int exit_code = RunCommandLine(static_cast<int>(argv.size()), argv.data(), {out, err});
  return {exit_code, out.str(), err.str()};
}

const std::vector<std::string> kVerbs = {"version", "info", "runtime-config", "pull",
                                         "images",  "rmi",  "inspecti",       "imagefsinfo"};

TEST(CommandLineTest, HelpListsEveryVerbAndGlobalFlag) {
  const Result help = Crioctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const std::string& verb : kVerbs) {
    EXPECT_NE(help.out.find("\n  " + verb), std::string::npos) << verb << "\n" << help.out;
  }
  for (const char* flag : {"--runtime-endpoint", "--image-endpoint", "--timeout", "--debug",
                           "unix:///var/run/crio/crio.sock", "CONTAINER_RUNTIME_ENDPOINT"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag << "\n" << help.out;
  }
}

TEST(CommandLineTest, EveryVerbHasHelp) {
  for (const std::string& verb : kVerbs) {
    const Result help = Crioctl({verb, "--help"});
    EXPECT_EQ(help.exit_code, 0) << verb;
    EXPECT_NE(help.out.find("Usage: crioctl " + verb), std::string::npos) << help.out;
  }
  EXPECT_NE(Crioctl({"info", "--help"}).out.find("--output"), std::string::npos);
}

TEST(CommandLineTest, UsageErrorsExitOne) {
  const Result none = Crioctl({});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("A subcommand is required"), std::string::npos) << none.err;
  EXPECT_EQ(Crioctl({"frobnicate"}).exit_code, 1);
  EXPECT_EQ(Crioctl({"pull"}).exit_code, 1);  // IMAGE is required
  EXPECT_EQ(Crioctl({"version", "--no-such-flag"}).exit_code, 1);
}

TEST(CommandLineTest, RefusesABadTimeout) {
  for (const char* timeout : {"soon", "0", "-1s", "2"}) {
    const Result result = Crioctl({"-t", timeout, "version"});
    EXPECT_EQ(result.exit_code, 1) << timeout;
    EXPECT_EQ(result.err, fmt::format("crioctl: --timeout \"{}\": expected a duration such as "
                                      "2s\n",
                                      timeout));
  }
}

TEST(CommandLineTest, RefusesANonUnixEndpoint) {
  const Result result = Crioctl({"-r", "tcp://127.0.0.1:10010", "version"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "crioctl: endpoint \"tcp://127.0.0.1:10010\": expected unix:///path/to/socket or an "
            "absolute path\n");
}

TEST(CommandLineTest, EndpointFromTheEnvironmentUnlessGiven) {
  ::setenv("CONTAINER_RUNTIME_ENDPOINT", "tcp://from-env:1", 1);
  const Result from_env = Crioctl({"version"});
  const Result from_flag = Crioctl({"-r", "tcp://from-flag:1", "version"});
  ::unsetenv("CONTAINER_RUNTIME_ENDPOINT");
  EXPECT_NE(from_env.err.find("tcp://from-env:1"), std::string::npos) << from_env.err;
  EXPECT_NE(from_flag.err.find("tcp://from-flag:1"), std::string::npos) << from_flag.err;
}

TEST(CommandLineTest, UnreachableRuntimeNamesTheEndpoint) {
  const Result result =
      Crioctl({"--runtime-endpoint", "/nonexistent/crio.sock", "--timeout", "300ms", "version"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(
      result.err.starts_with("crioctl: version: cannot reach /nonexistent/crio.sock: "
                             "rpc error: code = Unavailable desc = "))
      << result.err;
  EXPECT_EQ(result.out, "");
}

}  // namespace
}  // namespace crio::crioctl
