#include "config/load.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::config {
namespace {

class LoadTest : public ::testing::Test {
 protected:
  Sources Paths() const {
    return Sources{.config_file = dir_.Join("crio.conf"), .config_dir = dir_.Join("crio.conf.d")};
  }
  absl::StatusOr<Loaded> LoadFiles() const { return Load(Paths(), nullptr); }
  std::string ErrorOf(const std::string& toml) {
    dir_.WriteFile("crio.conf", toml);
    auto loaded = LoadFiles();
    return loaded.ok() ? "" : std::string(loaded.status().message());
  }

  testing::TempDir dir_;
};

TEST_F(LoadTest, NoFilesGiveCrioDefaults) {
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Config& c = loaded->config;
  EXPECT_EQ(c, Config{});
  EXPECT_EQ(c.api.listen, "/var/run/crio/crio.sock");
  EXPECT_EQ(c.api.grpc_max_recv_msg_size, 83886080);
  EXPECT_EQ(c.runtime.default_runtime, "runc");
  EXPECT_EQ(c.runtime.runtimes.at("runc").runtime_root, "/run/runc");
  EXPECT_EQ(c.runtime.cgroup_manager, "systemd");
  EXPECT_EQ(c.runtime.log_level, "info");
  EXPECT_EQ(c.runtime.ctr_stop_timeout, 30);
  EXPECT_TRUE(c.runtime.drop_infra_ctr);
  EXPECT_EQ(c.runtime.default_capabilities.size(), 9u);
  EXPECT_EQ(c.image.pause_image, "registry.k8s.io/pause:3.10.1");
  EXPECT_EQ(c.network.network_dir, "/etc/cni/net.d/");
  EXPECT_EQ(c.metrics.metrics_port, 9090);
  EXPECT_TRUE(loaded->warnings.empty());
}

// CRI-O's workloads.bats and config.bats ("handle nil workloads": no resources table).
TEST_F(LoadTest, WorkloadsReadWithTheirResources) {
  dir_.WriteFile("crio.conf",
                 "[crio.runtime.workloads.management]\n"
                 "activation_annotation = \"workload.openshift.io/management\"\n"
                 "annotation_prefix = \"io.openshift.workload.management\"\n"
                 "[crio.runtime.workloads.management.resources]\n"
                 "cpushares =  200\ncpuset = \"0-1\"\n"
                 "[crio.runtime.workloads.userns]\n"
                 "activation_annotation = \"io.kubernetes.cri-o.userns-mode\"\n"
                 "allowed_annotations = [\"io.kubernetes.cri-o.userns-mode\"]\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->warnings.empty()) << loaded->warnings.front();
  const auto& workloads = loaded->config.runtime.workloads;
  ASSERT_EQ(workloads.size(), 2u);
  const Workload& management = workloads.at("management");
  EXPECT_EQ(management.activation_annotation, "workload.openshift.io/management");
  EXPECT_EQ(management.annotation_prefix, "io.openshift.workload.management");
  EXPECT_EQ(management.cpushares, 200);
  EXPECT_EQ(management.cpuset, "0-1");
  EXPECT_EQ(workloads.at("userns").allowed_annotations,
            std::vector<std::string>{"io.kubernetes.cri-o.userns-mode"});
  EXPECT_EQ(workloads.at("userns").cpushares, 0);
}

TEST_F(LoadTest, WorkloadsAreValidatedAsCrioDoes) {
  EXPECT_EQ(ErrorOf("[crio.runtime.workloads.w]\nannotation_prefix = \"p\"\n"),
            "workloads validation: annotation shouldn't be empty for workload \"w\"");
  EXPECT_NE(ErrorOf("[crio.runtime.workloads.w]\nactivation_annotation = \"a\"\n"
                    "[crio.runtime.workloads.w.resources]\ncpuset = \"1-0\"\n")
                .find("cpuset \"1-0\" is not a CPU list"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime.workloads.w]\nactivation_annotation = \"a\"\n"
                    "[crio.runtime.workloads.w.resources]\ncpushares = -1\n")
                .find("cpushares"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\ninfra_ctr_cpuset = \"0,x\"\n").find("infra_ctr_cpuset"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[crio.runtime]\ninfra_ctr_cpuset = \"0-1,3\"\n"), "");
}

TEST_F(LoadTest, EmptyPathsNameNoFileAndNoDir) {
  // What CRI-O's own test helpers start it with: crio -c "" -d "" (flags only).
  const Sources none{.config_file = "", .config_dir = "", .config_file_required = true,
                     .storage_conf = ""};
  auto loaded = Load(none, nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config, Config{});
}

TEST_F(LoadTest, DropInsApplyInLexicalOrderAndOnlyOverrideWhatTheySet) {
  dir_.WriteFile("crio.conf",
                 "[crio.runtime]\nlog_level = \"warn\"\npids_limit = 100\n"
                 "[crio.image]\npause_image = \"main/pause:1\"\n");
  dir_.WriteFile("crio.conf.d/20-second.conf", "[crio.runtime]\nlog_level = \"debug\"\n");
  dir_.WriteFile("crio.conf.d/10-first.conf",
                 "[crio.runtime]\nlog_level = \"error\"\n[crio.image]\npause_image = \"d/p:2\"\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.runtime.log_level, "debug");
  EXPECT_EQ(loaded->config.runtime.pids_limit, 100);
  EXPECT_EQ(loaded->config.image.pause_image, "d/p:2");
}

// CRI-O's config.bats: `crio --conmon-cgroup=pod --conmon=/bin/true config` shows them in
// the handlers' monitor fields; vm handlers keep theirs.
TEST_F(LoadTest, ConmonKeysBecomeTheOciHandlersMonitorFields) {
  dir_.WriteFile("crio.conf",
                 "[crio.runtime]\nconmon = \"/bin/true\"\nconmon_cgroup = \"pod\"\n"
                 "conmon_env = [\"A=1\"]\n[crio.runtime.runtimes.crun]\n"
                 "monitor_path = \"/usr/bin/conmon\"\n[crio.runtime.runtimes.kata]\n"
                 "runtime_type = \"vm\"\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  for (const std::string name : {"runc", "crun"}) {
    const RuntimeHandler& handler = loaded->config.runtime.runtimes.at(name);
    EXPECT_EQ(handler.monitor_path, "/bin/true") << name;
    EXPECT_EQ(handler.monitor_cgroup, "pod") << name;
    EXPECT_EQ(handler.monitor_env, std::vector<std::string>{"A=1"}) << name;
  }
  EXPECT_EQ(loaded->config.runtime.runtimes.at("kata").monitor_path, "");
}

// As CRI-O reads its drop-in dir (config.bats writes "00-default" and "01-overwrite"): every
// file, whatever its name, subdirectories too, in lexical order within each directory.
TEST_F(LoadTest, EveryFileUnderTheDropInDirIsADropIn) {
  dir_.WriteFile("crio.conf", "");
  dir_.WriteFile("crio.conf.d/00-default", "[crio.runtime]\npids_limit = 1234\n");
  dir_.WriteFile("crio.conf.d/01-overwrite", "[crio.runtime]\npids_limit = 5678\n");
  dir_.WriteFile("crio.conf.d/02-more/a.toml", "[crio.runtime]\nlog_level = \"debug\"\n");
  dir_.WriteFile("crio.conf.d/02-more-after", "[crio.runtime]\nlog_level = \"warn\"\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.runtime.pids_limit, 5678);
  EXPECT_EQ(loaded->config.runtime.log_level, "warn");  // "02-more" sorts before "02-more-after"
}

// As CRI-O 1.26: the key is read, warned about, and has no effect.
TEST_F(LoadTest, TheDroppedRegistriesKeyWarnsInCriosWords) {
  dir_.WriteFile("crio.conf", "[crio.image]\nregistries = [\"quay.io\"]\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_NE(loaded->warnings[0].find("Support for the 'registries' option has been dropped"),
            std::string::npos);
}

TEST_F(LoadTest, CriuSupportIsAcceptedWithAWarning) {
  dir_.WriteFile("crio.conf", "[crio.runtime]\nenable_criu_support = true\n"
                              "decryption_keys_path = \"/etc/crio/keys/\"\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_NE(loaded->warnings[0].find("CheckpointContainer answers UNIMPLEMENTED"),
            std::string::npos);
}

TEST_F(LoadTest, UnknownKeysAndTablesWarnWithFileTableAndKey) {
  dir_.WriteFile("crio.conf",
                 "[crio.runtime]\nfancy = 1\n[crio.tracing]\nenable_tracing = true\n"
                 "[other]\nx = 1\n[crio.runtime.runtimes.runc]\nturbo = true\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const std::string file = dir_.Join("crio.conf");
  ASSERT_EQ(loaded->warnings.size(), 4u);
  EXPECT_EQ(loaded->warnings[0], file + ": unknown key \"fancy\" in table [crio.runtime], ignored");
  EXPECT_EQ(loaded->warnings[1],
            file + ": unknown key \"turbo\" in table [crio.runtime.runtimes.runc], ignored");
  EXPECT_EQ(loaded->warnings[2], file + ": unknown table [crio.tracing], ignored");
  EXPECT_EQ(loaded->warnings[3], file + ": unknown table \"other\" outside [crio], ignored");
}

TEST_F(LoadTest, EveryInvalidValueKindNamesFileKeyAndAllowedValues) {
  const std::string file = dir_.Join("crio.conf");
  EXPECT_EQ(ErrorOf("[crio.runtime]\ncgroup_manager = \"upstart\"\n"),
            file +
                ": [crio.runtime] cgroup_manager = \"upstart\": invalid value (allowed: "
                "systemd, cgroupfs)");
  EXPECT_EQ(ErrorOf("[crio.runtime]\ncgroup_manager = 3\n"),
            file + ": [crio.runtime] cgroup_manager: expected a string");
  EXPECT_EQ(ErrorOf("[crio.runtime]\nread_only = \"yes\"\n"),
            file + ": [crio.runtime] read_only: expected a boolean (true or false)");
  EXPECT_EQ(ErrorOf("[crio]\nroot = \"relative/dir\"\n"),
            file + ": [crio] root = \"relative/dir\": must be an absolute path");
  EXPECT_EQ(ErrorOf("[crio.metrics]\nmetrics_port = 70000\n"),
            file + ": [crio.metrics] metrics_port = 70000: out of range (allowed: 0 to 65535)");
  EXPECT_EQ(ErrorOf("[crio.api]\nstream_port = \"http\"\n"),
            file + ": [crio.api] stream_port = \"http\": invalid port (allowed: 0 to 65535)");
  EXPECT_NE(ErrorOf("[crio.image]\npull_progress_timeout = \"soon\"\n").find("invalid duration"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\nhooks_dir = [\"hooks\"]\n").find("must be an absolute path"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_capabilities = \"CHOWN\"\n")
                .find("expected an array of strings"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\nlog_level = \"loud\"\n")
                .find("not a valid logrus Level: \"loud\" (allowed: trace, debug"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime.runtimes.wasm]\nruntime_type = \"wasm\"\n")
                .find("allowed: oci, vm, pod"),
            std::string::npos);
  // CRI-O's vm handlers are valid configuration (a pod asking for one is refused), but not as
  // the default.
  EXPECT_EQ(ErrorOf("[crio.runtime.runtimes.kata]\nruntime_type = \"vm\"\n"
                    "runtime_config_path = \"/etc/kata/configuration.toml\"\n"),
            "");
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_runtime = \"kata\"\n"
                    "[crio.runtime.runtimes.kata]\nruntime_type = \"vm\"\n")
                .find("its runtime_type \"vm\" is not supported by crio"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime.runtimes.runc]\ncontainer_min_memory = \"lots\"\n")
                .find("invalid size"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("[crio.runtime.runtimes.runc]\ncontainer_create_timeout = 5\n").find("minimum 30"),
      std::string::npos);
  EXPECT_NE(ErrorOf("[crio]\nroot = \"/srv/s\"\nimagestore = \"/srv/s/\"\n")
                .find("imagestore = \"/srv/s/\": must be unset or differ from root"),
            std::string::npos);
}

// CRI-O's words first ("unable to decode configuration PATH: ..."), as its reload_config.bats
// looks for them.
TEST_F(LoadTest, SyntaxErrorsGiveFileAndLine) {
  EXPECT_EQ(ErrorOf("[crio]\nroot = \"/x\"\nbroken = \n")
                .rfind("unable to decode configuration " + dir_.Join("crio.conf") + ": line 3, ", 0),
            0u);
}

TEST_F(LoadTest, AnInvalidValueCarriesItsProblemInCrioWords) {
  dir_.WriteFile("crio.conf", "[crio.runtime]\nlog_level = \"invalid\"\n");
  auto loaded = LoadFiles();
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(Problem(loaded.status()).starts_with("not a valid logrus Level: \"invalid\""))
      << Problem(loaded.status());
  EXPECT_NE(loaded.status().message().find("[crio.runtime] log_level"), std::string::npos);
  EXPECT_EQ(Problem(absl::InternalError("plain")), "plain");
}

TEST_F(LoadTest, InvalidValueInADropInNamesTheDropIn) {
  const std::string drop_in =
      dir_.WriteFile("crio.conf.d/50-bad.conf", "[crio.image]\nimage_volumes = \"copy\"\n");
  auto loaded = LoadFiles();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            drop_in +
                ": [crio.image] image_volumes = \"copy\": invalid value (allowed: mkdir, "
                "bind, ignore)");
}

TEST_F(LoadTest, RequiredConfigFileMustExist) {
  Sources sources = Paths();
  sources.config_file_required = true;
  auto loaded = Load(sources, nullptr);
  ASSERT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(loaded.status().message().find(sources.config_file), std::string::npos);
}

TEST_F(LoadTest, RuntimeHandlersMergeAcrossFiles) {
  dir_.WriteFile("crio.conf",
                 "[crio.runtime.runtimes.crun]\nruntime_path = \"/usr/bin/crun\"\n"
                 "monitor_env = [\"A=1\"]\n");
  dir_.WriteFile("crio.conf.d/10.conf",
                 "[crio.runtime]\ndefault_runtime = \"crun\"\n"
                 "[crio.runtime.runtimes.crun]\nruntime_root = \"/run/crun\"\n"
                 "default_annotations = { \"a\" = \"b\" }\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const RuntimeHandler& crun = loaded->config.runtime.runtimes.at("crun");
  EXPECT_EQ(crun.runtime_path, "/usr/bin/crun");
  EXPECT_EQ(crun.runtime_root, "/run/crun");
  EXPECT_EQ(crun.monitor_env, (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(crun.default_annotations.at("a"), "b");
  EXPECT_EQ(loaded->config.runtime.default_runtime, "crun");
  EXPECT_TRUE(loaded->config.runtime.runtimes.contains("runc"));
}

TEST_F(LoadTest, MetricsCollectorsDefaultToAllAndLoseTheirPrefixes) {
  auto defaults = LoadFiles();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->config.metrics.metrics_collectors.size(), 28u);
  dir_.WriteFile("crio.conf",
                 "[crio.metrics]\nmetrics_collectors = [\"operations_total\", "
                 "\"crio_image_pulls_bytes_total\", "
                 "\"container_runtime_crio_containers_oom_total\"]\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.metrics.metrics_collectors,
            (std::vector<std::string>{"operations_total", "image_pulls_bytes_total",
                                      "containers_oom_total"}));
}

TEST_F(LoadTest, DeprecatedKeysStillApplyWithAWarning) {
  dir_.WriteFile("crio.conf", "[crio.stats]\nstats_collection_period = 10\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.stats.collection_period, 10);
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_NE(
      loaded->warnings[0].find("stats_collection_period is deprecated; use collection_period"),
      std::string::npos)
      << loaded->warnings[0];
}

TEST_F(LoadTest, CrossKeyChecks) {
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_runtime = \"kata\"\n")
                .find("no [crio.runtime.runtimes.kata] table is configured"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\nlog_size_max = 100\n")
                .find("log size max should be negative or >= 8192"),
            std::string::npos);
  // As CRI-O: spaces around the '=' are refused in its words; inside a value and empty
  // entries are fine.
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_sysctls = [\"net.ipv4.ip_forward = 1\"]\n")
                .find("extra spaces found: format should be key=value"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_sysctls = [\"net.ipv4.ip_forward\"]\n")
                .find("is not in key=value format"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[crio.runtime]\ndefault_sysctls = [\"\", "
                    "\"net.ipv4.ping_group_range=0 2147483647\"]\n"),
            "");
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_env = [\"NOVALUE\"]\n").find("NAME=value"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[crio.runtime]\ndefault_env = [\"A=1\", \"B=\"]\n"), "");
  EXPECT_NE(ErrorOf("[crio.runtime]\nlog_filter = \"(\"\n")
                .find("custom log level filter does not compile"),
            std::string::npos);
  // CRI-O's words (its tests look for them).
  EXPECT_NE(ErrorOf("[crio.runtime]\nadditional_devices = [\"/dev/null:/dev/foo:123\"]\n")
                .find("invalid device mode: 123"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\nadditional_devices = [\"/dee/sda:/dev/sda:rmw\"]\n")
                .find("/dee/sda is not a valid device"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[crio.runtime]\nadditional_devices = [\"\", \"/dev/null:/dev/n:r\"]\n"),
            "");
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_ulimits = [\"files=10:20\"]\n")
                .find("invalid ulimit type: files"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[crio.runtime]\ndefault_ulimits = [\"nofile=30:20\"]\n")
                .find("ulimit soft limit must be less than or equal to hard limit: 30 > 20"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[crio.runtime]\ndefault_ulimits = [\"nofile=1024:2048\", \"nproc=64\"]\n"),
            "");

  EXPECT_NE(ErrorOf("[crio.metrics]\nmetrics_collectors = [\"operations_per_second\"]\n")
                .find("unknown collector \"operations_per_second\""),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("[crio.stats]\nincluded_pod_metrics = [\"gpu\"]\n").find("unknown group \"gpu\""),
      std::string::npos);
  EXPECT_NE(ErrorOf("[crio.metrics]\nmetrics_cert = \"/c.pem\"\n").find("set together"),
            std::string::npos);

  dir_.WriteFile("crio.conf", "[crio.runtime]\nctr_stop_timeout = 5\n");
  auto loaded = LoadFiles();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->config.runtime.ctr_stop_timeout, 30);
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_NE(loaded->warnings[0].find("ctr_stop_timeout"), std::string::npos);
}

}  // namespace
}  // namespace crio::config
