#include "config/flags.h"

#include <stdlib.h>

#include <map>

#include "CLI/CLI.hpp"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::config {
namespace {

// Parses `args` (without argv[0]) into a fresh app with crio's flags.
class FlagsTest : public ::testing::Test {
 protected:
  void Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "crio");
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    app_.parse(static_cast<int>(argv.size()), argv.data());
  }
  absl::StatusOr<Loaded> LoadWithFlags() { return Load(flags_.sources(), &flags_); }

  testing::TempDir dir_;
  CLI::App app_{"test"};
  FlagSet flags_ = [this] {
    FlagSet flags;
    flags.Register(app_);
    return flags;
  }();
};

TEST_F(FlagsTest, FlagsOverrideFilesKeyByKey) {
  const std::string file =
      dir_.WriteFile("crio.conf", "[crio.runtime]\nlog_level = \"warn\"\npids_limit = 10\n");
  Parse({"--config", file, "--config-dir", dir_.Join("none"), "-l", "debug", "--read-only",
         "--hooks-dir", "/a,/b", "--hooks-dir", "/c", "--cni-config-dir", "/etc/net",
         "--drop-infra-ctr=false", "--metrics-port", "9100"});
  auto loaded = LoadWithFlags();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Config& c = loaded->config;
  EXPECT_EQ(c.runtime.log_level, "debug");
  EXPECT_EQ(c.runtime.pids_limit, 10);
  EXPECT_TRUE(c.runtime.read_only);
  EXPECT_FALSE(c.runtime.drop_infra_ctr);
  EXPECT_EQ(c.runtime.hooks_dir, (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(c.network.network_dir, "/etc/net");
  EXPECT_EQ(c.metrics.metrics_port, 9100);
}

// CRI-O 1.26's name for a renamed flag still sets its key.
TEST_F(FlagsTest, ARenamedFlagKeepsItsOldName) {
  Parse({"--config", dir_.WriteFile("crio.conf", ""), "--config-dir", dir_.Join("none"),
         "--stats-collection-period", "15"});
  auto loaded = LoadWithFlags();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.stats.collection_period, 15);
}

// As CRI-O: CONTAINER_* variables stand for flags the command line does not give, and
// override the files.
TEST_F(FlagsTest, EnvironmentVariablesGiveFlags) {
  const std::map<std::string, std::string> environment = {
      {"CONTAINER_LOG_LEVEL", "debug"},          {"CONTAINER_PIDS_LIMIT", "77"},
      {"CONTAINER_READ_ONLY", "true"},           {"CONTAINER_DROP_INFRA_CTR", "false"},
      {"CONTAINER_DEFAULT_SYSCTLS", "a=1,b=2"},  {"CONTAINER_TLS_CA", "/etc/ca.pem"},
      {"CONTAINER_STOP_TIMEOUT", "45"},          {"CONTAINER_CGROUP_MANAGER", "cgroupfs"},
      {"CONTAINER_CONFIG_DIR", dir_.Join("none")}};
  for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
  const std::string file =
      dir_.WriteFile("crio.conf", "[crio.runtime]\nlog_level = \"warn\"\npids_limit = 10\n");
  Parse({"--config", file, "--cgroup-manager", "systemd"});
  for (const auto& [name, value] : environment) ::unsetenv(name.c_str());
  auto loaded = LoadWithFlags();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Config& c = loaded->config;
  EXPECT_EQ(c.runtime.log_level, "debug");
  EXPECT_EQ(c.runtime.pids_limit, 77);
  EXPECT_TRUE(c.runtime.read_only);
  EXPECT_FALSE(c.runtime.drop_infra_ctr);
  EXPECT_EQ(c.runtime.default_sysctls, (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(c.api.stream_tls_ca, "/etc/ca.pem");
  EXPECT_EQ(c.runtime.ctr_stop_timeout, 45);
  EXPECT_EQ(c.runtime.cgroup_manager, "systemd");  // the command line wins
}

TEST(FlagEnvironmentVariableTest, NamesAsCrioNamesThem) {
  EXPECT_EQ(FlagEnvironmentVariable("log-level"), "CONTAINER_LOG_LEVEL");
  EXPECT_EQ(FlagEnvironmentVariable("cni-config-dir"), "CONTAINER_CNI_CONFIG_DIR");
  EXPECT_EQ(FlagEnvironmentVariable("stream-idle-timeout"), "STREAM_IDLE_TIMEOUT");
  EXPECT_EQ(FlagEnvironmentVariable("container-exits-dir"), "CONTAINER_EXITS_DIR");
  EXPECT_EQ(FlagEnvironmentVariable("enable-nri"), "");
}

// CRI-O's profiling flags: no crio.conf keys, their own variables, 6060 by default.
TEST_F(FlagsTest, ProfileFlagsAndTheirVariables) {
  Parse({});
  EXPECT_FALSE(flags_.profile().profile);
  EXPECT_EQ(flags_.profile().port, 6060);
  EXPECT_EQ(flags_.profile().cpu, "");
}

TEST_F(FlagsTest, ProfileFlagsFromTheCommandLine) {
  Parse({"--profile", "--profile-port", "7070", "--profile-cpu", "/tmp/cpu", "--profile-mem",
         "/tmp/mem", "--enable-profile-unix-socket"});
  const ProfileFlags& profile = flags_.profile();
  EXPECT_TRUE(profile.profile);
  EXPECT_EQ(profile.port, 7070);
  EXPECT_EQ(profile.cpu, "/tmp/cpu");
  EXPECT_EQ(profile.mem, "/tmp/mem");
  EXPECT_TRUE(profile.unix_socket);
}

TEST_F(FlagsTest, ProfileFlagsFromTheEnvironment) {
  const std::map<std::string, std::string> environment = {{"CONTAINER_PROFILE", "true"},
                                                          {"CONTAINER_PROFILE_PORT", "6161"},
                                                          {"CONTAINER_PROFILE_CPU", "/x/cpu"},
                                                          {"CONTAINER_PROFILE_MEM", "/x/mem"},
                                                          {"ENABLE_PROFILE_UNIX_SOCKET", "true"}};
  for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
  Parse({"--profile-port", "6262"});
  for (const auto& [name, value] : environment) ::unsetenv(name.c_str());
  const ProfileFlags& profile = flags_.profile();
  EXPECT_TRUE(profile.profile);
  EXPECT_EQ(profile.port, 6262);  // the command line wins
  EXPECT_EQ(profile.cpu, "/x/cpu");
  EXPECT_EQ(profile.mem, "/x/mem");
  EXPECT_TRUE(profile.unix_socket);
}

TEST_F(FlagsTest, AProfilePortOutOfRangeIsAParseError) {
  EXPECT_THROW(Parse({"--profile-port", "70000"}), CLI::ValidationError);
}

TEST_F(FlagsTest, SourcesComeFromConfigFlags) {
  Parse({"-c", "/x/crio.conf", "-d", "/x/crio.conf.d"});
  const Sources sources = flags_.sources();
  EXPECT_EQ(sources.config_file, "/x/crio.conf");
  EXPECT_EQ(sources.config_dir, "/x/crio.conf.d");
  EXPECT_TRUE(sources.config_file_required);
  auto loaded = LoadWithFlags();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FlagsTest, LogFileAndJournaldFlags) {
  Parse({});
  EXPECT_EQ(flags_.log_file(), "");
  Parse({"--log", "/var/log/crio.log", "--log-journald"});
  EXPECT_EQ(flags_.log_file(), "/var/log/crio.log");
  auto loaded = LoadWithFlags();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->config.runtime.log_to_journald);
}

TEST_F(FlagsTest, DefaultSourcesAreOptional) {
  Parse({});
  EXPECT_EQ(flags_.sources().config_file, "/etc/crio/crio.conf");
  EXPECT_FALSE(flags_.sources().config_file_required);
}

TEST_F(FlagsTest, InvalidFlagValuesNameTheFlag) {
  Parse({"--config-dir", dir_.Join("none"), "-c", dir_.WriteFile("c.conf", ""), "--cgroup-manager",
         "upstart"});
  auto loaded = LoadWithFlags();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "invalid value \"upstart\" for flag --cgroup-manager: invalid value (allowed: systemd, "
            "cgroupfs)");
}

// As CRI-O's command line words them (its command.bats looks for these).
TEST_F(FlagsTest, AnUnparsableNumberIsAParseError) {
  Parse({"--config-dir", dir_.Join("none"), "-c", dir_.WriteFile("c.conf", ""),
         "--log-size-max", "foo"});
  auto loaded = LoadWithFlags();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "invalid value \"foo\" for flag --log-size-max: parse error: expected an integer");
}

TEST_F(FlagsTest, ANumberBeyondSixtyFourBitsIsOutOfRange) {
  Parse({"--config-dir", dir_.Join("none"), "-c", dir_.WriteFile("c.conf", ""),
         "--log-size-max", "18446744073709551616"});
  auto loaded = LoadWithFlags();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "invalid value \"18446744073709551616\" for flag --log-size-max: value out of range");
}

TEST_F(FlagsTest, RuntimesFlagAddsAHandler) {
  Parse({"--config-dir", dir_.Join("none"), "-c", dir_.WriteFile("c.conf", ""), "--runtimes",
         "crun:/usr/bin/crun:/run/crun::true::500KiB", "--default-runtime", "crun"});
  auto loaded = LoadWithFlags();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const RuntimeHandler& crun = loaded->config.runtime.runtimes.at("crun");
  EXPECT_EQ(crun.runtime_path, "/usr/bin/crun");
  EXPECT_EQ(crun.runtime_root, "/run/crun");
  EXPECT_EQ(crun.runtime_type, "oci");
  EXPECT_TRUE(crun.privileged_without_host_devices);
  EXPECT_EQ(crun.container_min_memory, "500KiB");
  EXPECT_EQ(loaded->config.runtime.default_runtime, "crun");
}

TEST(RuntimesFlagTest, RejectsBadFields) {
  Config config;
  EXPECT_FALSE(ApplyRuntimesFlag("", config).ok());
  EXPECT_FALSE(ApplyRuntimesFlag("kata:/bin/kata::wasm", config).ok());
  EXPECT_FALSE(ApplyRuntimesFlag("x:relative", config).ok());
  EXPECT_FALSE(ApplyRuntimesFlag("x:/bin/x:::::tiny", config).ok());
  EXPECT_FALSE(ApplyRuntimesFlag("x:/bin/x::::relative.toml", config).ok());
}

// CRI-O's helpers pass a vm handler this way; it is configuration crio accepts.
TEST(RuntimesFlagTest, TakesVmHandlersWithTheirConfigPath) {
  Config config;
  ASSERT_TRUE(ApplyRuntimesFlag("kata:/bin/kata:/run/kata:vm:false:/etc/kata.toml", config).ok());
  EXPECT_EQ(config.runtime.runtimes["kata"].runtime_type, "vm");
  EXPECT_EQ(config.runtime.runtimes["kata"].runtime_config_path, "/etc/kata.toml");
}

}  // namespace
}  // namespace crio::config
