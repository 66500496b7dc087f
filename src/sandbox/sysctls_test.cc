#include "sandbox/sysctls.h"

#include "gtest/gtest.h"

namespace crio::sandbox {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(SysctlsTest, NamespacedKeysPass) {
  auto valid = ValidateSysctls({{"net.ipv4.ip_forward", "1"},
                                {"kernel.shm_rmid_forced", "1"},
                                {"kernel.sem", "250 32000 32 128"},
                                {"fs.mqueue.msg_max", "20"},
                                {"net/ipv4/conf/all/rp_filter", "0"}},
                               {});
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->size(), 5u);
  EXPECT_EQ((*valid)[4], (std::pair<std::string, std::string>{"net.ipv4.conf.all.rp_filter", "0"}));
}

TEST(SysctlsTest, HostSysctlsAreRefused) {
  for (const char* key : {"kernel.core_pattern", "vm.overcommit_memory", "kernel.hostname",
                          "fs.file-max", "kernel.shmall/../core_pattern", "../kernel"}) {
    auto valid = ValidateSysctls({{key, "1"}}, {});
    EXPECT_EQ(valid.status().code(), absl::StatusCode::kInvalidArgument) << key;
  }
}

TEST(SysctlsTest, ValueNeverSmugglesAnotherSetting) {
  // CVE-2022-0811: "+key=value" appended to a value once set host sysctls.
  auto valid = ValidateSysctls(
      {{"kernel.shm_rmid_forced", "1+kernel.core_pattern=|/var/lib/evil.sh #"}}, {});
  ASSERT_EQ(valid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(valid.status().message().find("kernel.shm_rmid_forced"), std::string::npos);
  EXPECT_FALSE(ValidateSysctls({{"net.ipv4.ip_forward", "1\nkernel.core_pattern=x"}}, {}).ok());
  EXPECT_FALSE(ValidateSysctls({{"net.ipv4.ip_forward", ""}}, {}).ok());
}

// CRI-O's pod.bats "skip pod sysctls to runtime if host": never applied to the host's
// namespace, and not an error either.
TEST(SysctlsTest, HostNamespacesSkipTheirSysctls) {
  std::vector<std::string> skipped;
  auto valid = ValidateSysctls(
      {{"net.ipv4.ip_forward", "1"}, {"kernel.msgmax", "8192"}, {"kernel.shm_rmid_forced", "1"}},
      {.host_network = true, .host_ipc = true}, &skipped);
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_TRUE(valid->empty());
  EXPECT_EQ(skipped.size(), 3u);
  valid = ValidateSysctls({{"kernel.msgmax", "8192"}}, {.host_network = true}, &skipped);
  EXPECT_EQ(valid.value(), (Pairs{{"kernel.msgmax", "8192"}}));
  EXPECT_EQ(ValidateSysctls({{"vm.swappiness", "1"}}, {.host_ipc = true}, &skipped).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "what no pod may set stays an error";
}

TEST(SysctlsTest, DefaultsThatDoNotApplyAreSkipped) {
  std::vector<std::string> skipped;
  const Pairs applied = DefaultSysctls(
      {"net.ipv4.ping_group_range=0 2147483647", "kernel.msgmax=8192", "vm.swappiness=1"},
      {.host_network = true}, &skipped);
  EXPECT_EQ(applied, (Pairs{{"kernel.msgmax", "8192"}}));
  EXPECT_EQ(skipped.size(), 2u);
}

TEST(SysctlsTest, EmptyDefaultsAreNothingAndValuesKeepTheirSpaces) {
  std::vector<std::string> skipped;
  const Pairs applied =
      DefaultSysctls({"", "net.ipv4.ping_group_range=0 2147483647"}, {}, &skipped);
  EXPECT_EQ(applied, (Pairs{{"net.ipv4.ping_group_range", "0 2147483647"}}));
  EXPECT_TRUE(skipped.empty());
}

}  // namespace
}  // namespace crio::sandbox
