#include "spec/seccomp.h"

#include "gtest/gtest.h"

namespace crio::spec {
namespace {

using nlohmann::json;

bool Allows(const json& profile, const std::string& name) {
  for (const json& rule : profile["syscalls"]) {
    if (rule["action"] != "SCMP_ACT_ALLOW" || rule.contains("args")) continue;
    for (const json& allowed : rule["names"]) {
      if (allowed == name) return true;
    }
  }
  return false;
}

TEST(DefaultSeccompProfileTest, RefusesPrivilegedSyscallsWithoutTheirCapability) {
  const json plain = DefaultSeccompProfile({"CAP_CHOWN", "CAP_KILL"});
  EXPECT_EQ(plain["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_TRUE(Allows(plain, "read"));
  EXPECT_TRUE(Allows(plain, "execve"));
  for (const char* denied : {"mount", "unshare", "setns", "ptrace", "reboot", "bpf", "clone",
                             "kexec_load", "open_by_handle_at"}) {
    EXPECT_FALSE(Allows(plain, denied)) << denied;
  }
  // clone only without namespace flags; clone3 answers ENOSYS.
  bool clone_masked = false, clone3_enosys = false;
  for (const json& rule : plain["syscalls"]) {
    if (rule["names"] == json::array({"clone"})) {
      clone_masked = rule["args"][0]["op"] == "SCMP_CMP_MASKED_EQ";
    }
    if (rule["names"] == json::array({"clone3"})) clone3_enosys = rule["errnoRet"] == 38;
  }
  EXPECT_TRUE(clone_masked);
  EXPECT_TRUE(clone3_enosys);

  const json admin = DefaultSeccompProfile({"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"});
  EXPECT_TRUE(Allows(admin, "mount"));
  EXPECT_TRUE(Allows(admin, "clone"));
  EXPECT_TRUE(Allows(admin, "ptrace"));
  EXPECT_FALSE(Allows(admin, "reboot"));
}

TEST(ParseSeccompProfileTest, ConvertsLocalhostProfiles) {
  const auto profile = ParseSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64",
          "subArchitectures":["SCMP_ARCH_X86"]}],
          "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW","comment":"io"},
                      {"names":["mount"],"action":"SCMP_ACT_ALLOW",
                       "includes":{"caps":["CAP_SYS_ADMIN"]}},
                      {"name":"mkdir","action":"SCMP_ACT_ALLOW"}]})",
      {"CAP_CHOWN"});
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ((*profile)["architectures"], json::parse(R"(["SCMP_ARCH_X86","SCMP_ARCH_X86_64"])"));
  ASSERT_EQ((*profile)["syscalls"].size(), 2u);  // mount needs CAP_SYS_ADMIN
  EXPECT_FALSE((*profile)["syscalls"][0].contains("comment"));
  EXPECT_EQ((*profile)["syscalls"][1]["names"], json::array({"mkdir"}));
  EXPECT_FALSE(ParseSeccompProfile("not json", {}).ok());
  EXPECT_FALSE(ParseSeccompProfile(R"({"syscalls":[]})", {}).ok());
}

}  // namespace
}  // namespace crio::spec
