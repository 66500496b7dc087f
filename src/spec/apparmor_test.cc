#include "spec/apparmor.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::spec {
namespace {

class AppArmorTest : public ::testing::Test {
 protected:
  AppArmorTest() {
    host_.enabled = true;
    host_.profiles_file = dir_.WriteFile(
        "profiles", "crio-default (enforce)\nmy-app (complain)\nmy-app-strict (enforce)\n");
  }

  absl::StatusOr<std::string> Resolve(const std::string& requested, bool privileged = false) {
    return ContainerAppArmorProfile(requested, privileged, "crio-default", host_);
  }

  testing::TempDir dir_;
  AppArmorHost host_;
};

TEST_F(AppArmorTest, DefaultAndRuntimeDefaultUseTheConfiguredProfile) {
  EXPECT_EQ(*Resolve(""), "crio-default");
  EXPECT_EQ(*Resolve("runtime/default"), "crio-default");
}

TEST_F(AppArmorTest, LocalhostNamesALoadedProfile) {
  EXPECT_EQ(*Resolve("localhost/my-app"), "my-app");
  EXPECT_EQ(*Resolve("localhost/my-app-strict"), "my-app-strict");
  EXPECT_EQ(Resolve("localhost/my").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Resolve("localhost/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Resolve("localhost/a b").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AppArmorTest, UnconfinedAndPrivilegedRunWithoutAProfile) {
  EXPECT_EQ(*Resolve("unconfined"), "");
  EXPECT_EQ(*Resolve("localhost/my-app", /*privileged=*/true), "");
  EXPECT_EQ(*ContainerAppArmorProfile("", false, "unconfined", host_), "");
}

TEST_F(AppArmorTest, OtherFormsAreInvalidEvenWhenDisabled) {
  EXPECT_EQ(Resolve("docker/default").status().code(), absl::StatusCode::kInvalidArgument);
  host_.enabled = false;
  EXPECT_EQ(Resolve("docker/default").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AppArmorTest, DisabledHostAppliesNothing) {
  host_.enabled = false;
  EXPECT_EQ(*Resolve(""), "");
  EXPECT_EQ(*Resolve("localhost/not-loaded"), "");
}

TEST(DefaultAppArmorProfileTest, NamesTheProfileAndDeniesKernelKnobs) {
  const std::string text = DefaultAppArmorProfile("crio-default");
  EXPECT_NE(text.find("profile crio-default flags="), std::string::npos) << text;
  EXPECT_NE(text.find("signal (send,receive) peer=crio-default,"), std::string::npos);
  EXPECT_NE(text.find("deny mount,"), std::string::npos);
  EXPECT_NE(text.find("deny @{PROC}/sysrq-trigger rwklx,"), std::string::npos);
}

TEST(LoadAppArmorProfileTest, ReportsTheParsersFailure) {
  testing::TempDir dir;
  const std::string parser =
      dir.WriteFile("parser", "#!/bin/sh\ncat > /dev/null; echo bad >&2; exit 1\n");
  std::filesystem::permissions(parser, std::filesystem::perms::owner_all);
  const absl::Status loaded = LoadAppArmorProfile("profile x {}", parser);
  EXPECT_EQ(loaded.code(), absl::StatusCode::kInternal);
  EXPECT_NE(loaded.message().find("bad"), std::string::npos) << loaded;
  const std::string good = dir.WriteFile("good", "#!/bin/sh\ncat > " + dir.Join("got") + "\n");
  std::filesystem::permissions(good, std::filesystem::perms::owner_all);
  EXPECT_TRUE(LoadAppArmorProfile("profile x {}", good).ok());
  EXPECT_EQ(
      [&] {
        std::ifstream in(dir.Join("got"));
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
      }(),
      "profile x {}");
}

TEST(AppArmorEnabledTest, ReadsTheModuleParameter) {
  testing::TempDir dir;
  EXPECT_TRUE(AppArmorEnabled(dir.WriteFile("yes", "Y\n")));
  EXPECT_FALSE(AppArmorEnabled(dir.WriteFile("no", "N\n")));
  EXPECT_FALSE(AppArmorEnabled(dir.Join("missing")));
}

}  // namespace
}  // namespace crio::spec
