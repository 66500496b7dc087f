#include "spec/process.h"

#include "gtest/gtest.h"

namespace crio::spec {
namespace {

using Strings = std::vector<std::string>;

TEST(ResolveArgsTest, KubernetesRules) {
  const Strings entrypoint = {"/entry"}, cmd = {"--flag"};
  EXPECT_EQ(*ResolveArgs(entrypoint, cmd, {}, {}), (Strings{"/entry", "--flag"}));
  EXPECT_EQ(*ResolveArgs(entrypoint, cmd, {}, {"x"}), (Strings{"/entry", "x"}));
  EXPECT_EQ(*ResolveArgs(entrypoint, cmd, {"/bin/sh"}, {}), (Strings{"/bin/sh"}));
  EXPECT_EQ(*ResolveArgs(entrypoint, cmd, {"/bin/sh"}, {"-c", "true"}),
            (Strings{"/bin/sh", "-c", "true"}));
  EXPECT_EQ(*ResolveArgs({}, cmd, {}, {}), (Strings{"--flag"}));
  EXPECT_EQ(ResolveArgs({}, {}, {}, {}).status().message(), "no command specified");
}

TEST(MergeEnvTest, RequestWinsAndOrderIsKept) {
  const Strings env = MergeEnv({"A=default"}, {"PATH=/image", "A=image", "B=image"},
                               {"B=request", "C=request"}, false, "pod-1");
  EXPECT_EQ(env, (Strings{"PATH=/image", "TERM=xterm", "A=image", "B=request", "C=request",
                          "HOSTNAME=pod-1"}));
}

TEST(CapabilitiesTest, DefaultsAddDropAndAll) {
  const Strings defaults = {"CHOWN", "KILL", "SETUID"};
  EXPECT_EQ(*Capabilities(defaults, {"net_admin"}, {"CAP_KILL"}, false),
            (Strings{"CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SETUID"}));
  EXPECT_EQ(*Capabilities(defaults, {"NET_RAW"}, {"ALL"}, false), (Strings{"CAP_NET_RAW"}));
  EXPECT_GT(Capabilities(defaults, {"ALL"}, {"CHOWN"}, false)->size(), 30u);
  EXPECT_EQ(Capabilities(defaults, {"ALL"}, {"CHOWN"}, false)->front(), "CAP_AUDIT_CONTROL");
  EXPECT_EQ(Capabilities(defaults, {"BOGUS"}, {}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Capabilities(defaults, {}, {}, true)->size(), 41u);
}

TEST(CapabilitiesTest, OnlyWhatTheHostHas) {
  const Strings host = CapabilitiesOfMask(0x1fffeffffffULL);  // no CAP_SYS_RESOURCE (24)
  EXPECT_EQ(host.size(), 40u);
  EXPECT_EQ(std::find(host.begin(), host.end(), "CAP_SYS_RESOURCE"), host.end());
  EXPECT_EQ(Capabilities({}, {}, {}, true, host)->size(), 40u);
  EXPECT_EQ(Capabilities({}, {"ALL"}, {}, false, host)->size(), 40u);
  EXPECT_EQ(Capabilities({}, {"SYS_RESOURCE"}, {}, false, host).status().code(),
            absl::StatusCode::kInvalidArgument);
}

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "# comment\n"
    "broken line\n";
constexpr char kGroup[] = "root:x:0:\nwww-data:x:33:\nstaff:x:50:www-data,other\n";

TEST(ResolveUserTest, NamesNumbersAndGroups) {
  auto user = ResolveUser("www-data", kPasswd, kGroup, std::nullopt, {}, false);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->uid, 33u);
  EXPECT_EQ(user->gid, 33u);
  EXPECT_EQ(user->home, "/var/www");
  EXPECT_EQ(user->additional_gids, (std::vector<uint32_t>{33, 50}));

  user = ResolveUser("1234", kPasswd, kGroup, 7, {8, 9}, false);
  EXPECT_EQ(user->uid, 1234u);
  EXPECT_EQ(user->gid, 7u);
  EXPECT_EQ(user->additional_gids, (std::vector<uint32_t>{7, 8, 9}));

  user = ResolveUser("www-data:staff", kPasswd, kGroup, std::nullopt, {}, true);
  EXPECT_EQ(user->gid, 50u);
  EXPECT_EQ(user->additional_gids, std::vector<uint32_t>{50});  // Strict: no /etc/group

  user = ResolveUser("", kPasswd, kGroup, std::nullopt, {}, false);
  EXPECT_EQ(user->uid, 0u);
  EXPECT_EQ(user->home, "/root");

  EXPECT_FALSE(ResolveUser("nobody", kPasswd, kGroup, std::nullopt, {}, false).ok());
  EXPECT_FALSE(ResolveUser("0:nogroup", kPasswd, kGroup, std::nullopt, {}, false).ok());
  EXPECT_TRUE(ResolveUser("0:99", "", "", std::nullopt, {}, false).ok());
}

}  // namespace
}  // namespace crio::spec
