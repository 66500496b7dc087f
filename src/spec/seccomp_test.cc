#include "spec/seccomp.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace crio::spec {
namespace {

using nlohmann::json;

constexpr int kEperm = 1, kEinval = 22, kEnosys = 38;

// The action (and errno) a resolved profile gives `name` called with no argument rule in
// play: the first rule without args naming it, else the default.
std::pair<std::string, int> Unconditional(const json& profile, const std::string& name) {
  for (const json& rule : profile["syscalls"]) {
    if (rule.contains("args")) continue;
    for (const json& named : rule["names"]) {
      if (named == name) return {rule["action"], rule.value("errnoRet", -1)};
    }
  }
  return {profile["defaultAction"], profile.value("defaultErrnoRet", -1)};
}

bool HasErrnoRule(const json& profile, const std::string& name, int errno_ret) {
  for (const json& rule : profile["syscalls"]) {
    if (rule["action"] != "SCMP_ACT_ERRNO" || rule.value("errnoRet", -1) != errno_ret) continue;
    for (const json& named : rule["names"]) {
      if (named == name && !rule.contains("args")) return true;
    }
  }
  return false;
}

bool Allows(const json& profile, const std::string& name) {
  return Unconditional(profile, name).first == "SCMP_ACT_ALLOW";
}

// The rules naming `name` that compare arguments.
json ArgRules(const json& profile, const std::string& name) {
  json out = json::array();
  for (const json& rule : profile["syscalls"]) {
    if (rule.contains("args") && rule["names"] == json::array({name})) out.push_back(rule);
  }
  return out;
}

json ReadJson(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

// The golden file is the expected rule set: CRI-O's default profile (containers/common's
// seccomp.json as CRI-O vendors it, plus CRI-O's clone/clone3/unshare rules), comments and
// errno names dropped. A difference is printed as a JSON patch from golden to built-in.
TEST(BuiltInSeccompProfileTest, MatchesCriOsDefaultProfileRuleForRule) {
  const json golden =
      ReadJson(std::string(CRIO_SOURCE_DIR) + "/src/spec/testdata/default_seccomp_profile.json");
  ASSERT_TRUE(golden.is_object());
  EXPECT_EQ(BuiltInSeccompProfile(), golden) << json::diff(golden, BuiltInSeccompProfile()).dump(1);
}

TEST(DefaultSeccompProfileTest, RefusesWhatCriOsDefaultRefuses) {
  const json plain = DefaultSeccompProfile({"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  EXPECT_EQ(plain["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(plain["defaultErrnoRet"], kEnosys);
  EXPECT_EQ(plain["architectures"],
            json::parse(R"(["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"])"));
  for (const char* allowed : {"read", "execve", "keyctl", "pivot_root", "arch_prctl"}) {
    EXPECT_TRUE(Allows(plain, allowed)) << allowed;
  }
  // Not named at all: ENOSYS, so a program falls back to an older call.
  for (const char* unknown : {"io_uring_setup", "io_uring_enter", "io_uring_register"}) {
    EXPECT_EQ(Unconditional(plain, unknown).first, "SCMP_ACT_ERRNO") << unknown;
    EXPECT_EQ(Unconditional(plain, unknown).second, kEnosys) << unknown;
  }
  for (const char* refused :
       {"vmsplice", "userfaultfd", "kexec_load", "open_by_handle_at", "sethostname", "chroot",
        "unshare", "clone3", "bpf", "perf_event_open"}) {
    EXPECT_FALSE(Allows(plain, refused)) << refused;
  }
  // setns sits both in the allowed list and in an EPERM rule for containers without
  // CAP_SYS_ADMIN, as upstream has it; libseccomp settles the pair as it does for CRI-O.
  EXPECT_TRUE(HasErrnoRule(plain, "setns", kEperm));
  EXPECT_EQ(Unconditional(plain, "vmsplice").second, kEperm);
  EXPECT_EQ(Unconditional(plain, "clone3").second, kEnosys);  // libcs fall back to clone
  EXPECT_FALSE(Allows(plain, "socket"));                      // only through its argument rules
  EXPECT_FALSE(Allows(plain, "clone"));
}

TEST(DefaultSeccompProfileTest, SocketRefusesVsockAndAuditWithoutTheCapability) {
  const json plain = ArgRules(DefaultSeccompProfile({"CAP_CHOWN"}), "socket");
  ASSERT_EQ(plain.size(), 4u) << plain.dump();
  EXPECT_EQ(plain[0], json::parse(R"({"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":1,
      "args":[{"index":0,"value":40,"valueTwo":0,"op":"SCMP_CMP_EQ"}]})"));  // AF_VSOCK
  EXPECT_EQ(plain[1]["errnoRet"], kEinval);  // AF_NETLINK + NETLINK_AUDIT
  EXPECT_EQ(plain[1]["args"][1]["value"], 9);

  const json audit = ArgRules(DefaultSeccompProfile({"CAP_AUDIT_WRITE"}), "socket");
  ASSERT_EQ(audit.size(), 2u) << audit.dump();
  EXPECT_EQ(audit[0]["errnoRet"], kEperm);  // AF_VSOCK still refused
  EXPECT_EQ(audit[1]["action"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(audit[1]["args"][0]["op"], "SCMP_CMP_NE");
}

TEST(DefaultSeccompProfileTest, CapabilitiesOpenTheirSyscalls) {
  const json plain = DefaultSeccompProfile({"CAP_CHOWN"});
  const json clone = ArgRules(plain, "clone");
  ASSERT_EQ(clone.size(), 2u);
  EXPECT_EQ(clone[0]["action"], "SCMP_ACT_ALLOW");  // without namespace flags
  EXPECT_EQ(clone[0]["args"][0], json::parse(R"({"index":0,"value":2114060288,"valueTwo":0,
                                                  "op":"SCMP_CMP_MASKED_EQ"})"));
  EXPECT_EQ(clone[1]["errnoRet"], kEperm);  // any namespace flag
  EXPECT_EQ(clone[1]["args"].size(), 7u);

  const json admin = DefaultSeccompProfile({"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_BPF"});
  for (const char* allowed : {"clone", "clone3", "unshare", "setns", "sethostname", "bpf",
                              "perf_event_open", "kcmp", "process_madvise"}) {
    EXPECT_TRUE(Allows(admin, allowed)) << allowed;
  }
  EXPECT_EQ(ArgRules(admin, "clone").size(), 1u);  // the flag-free allow only
  EXPECT_FALSE(Allows(admin, "chroot"));
  EXPECT_FALSE(Allows(admin, "vmsplice"));
  EXPECT_FALSE(Allows(admin, "io_uring_setup"));
}

TEST(ResolveSeccompProfileTest, ArchitectureRules) {
  const json& profile = BuiltInSeccompProfile();
  const auto arm = ResolveSeccompProfile(profile, {}, "arm64");
  ASSERT_TRUE(arm.ok()) << arm.status();
  EXPECT_EQ((*arm)["architectures"], json::parse(R"(["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"])"));
  EXPECT_TRUE(Allows(*arm, "set_tls"));
  EXPECT_FALSE(Allows(*arm, "arch_prctl"));
  EXPECT_FALSE(Allows(DefaultSeccompProfile({}), "set_tls"));
}

TEST(ParseSeccompProfileTest, ConvertsLocalhostProfiles) {
  const auto profile = ParseSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrno":"ENOSYS",
          "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]},
                     {"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}],
          "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW","comment":"io"},
                      {"names":["mount"],"action":"SCMP_ACT_ALLOW",
                       "includes":{"caps":["CAP_SYS_ADMIN"]}},
                      {"names":["chroot"],"action":"SCMP_ACT_ERRNO","errno":"EINVAL",
                       "excludes":{"caps":["CAP_SYS_CHROOT"]}},
                      {"name":"mkdir","action":"SCMP_ACT_ALLOW","args":null}]})",
      {"CAP_CHOWN"});
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ((*profile)["defaultErrnoRet"], kEnosys);
  EXPECT_EQ((*profile)["architectures"], json::parse(R"(["SCMP_ARCH_X86_64","SCMP_ARCH_X86"])"));
  EXPECT_EQ((*profile)["syscalls"],  // mount needs CAP_SYS_ADMIN; errno names become numbers
            json::parse(R"([{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                             {"names":["chroot"],"action":"SCMP_ACT_ERRNO","errnoRet":22},
                             {"names":["mkdir"],"action":"SCMP_ACT_ALLOW"}])"));
}

TEST(ParseSeccompProfileTest, RefusesMalformedProfiles) {
  EXPECT_FALSE(ParseSeccompProfile("not json", {}).ok());
  EXPECT_FALSE(ParseSeccompProfile(R"({"syscalls":[]})", {}).ok());
  const auto unknown_errno = ParseSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
          {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errno":"EWHATEVER"}]})",
      {});
  EXPECT_EQ(unknown_errno.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown_errno.status().message().find("EWHATEVER"), std::string::npos);
  EXPECT_FALSE(ParseSeccompProfile(R"({"defaultAction":"SCMP_ACT_ALLOW",
      "architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]})",
                                   {})
                   .ok());
  EXPECT_FALSE(ParseSeccompProfile(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
      {"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]})",
                                   {})
                   .ok());
  EXPECT_FALSE(
      ParseSeccompProfile(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{}]})", {}).ok());
}

}  // namespace
}  // namespace crio::spec
