#include "storage/driver_options.h"

#include <sys/mount.h>

#include "gtest/gtest.h"

namespace crio::storage {
namespace {

TEST(DriverOptionsTest, TakesTheOverlayDriversKeysWithAnyOfItsPrefixes) {
  std::vector<std::string> warnings;
  const auto parsed = ParseDriverOptions(
      {"overlay.imagestore=/srv/a,/srv/b", "overlay2.additionalimagestore=/srv/c",
       ".mountopt=nodev,nosuid,metacopy=on,rw", "Overlay.Ignore_Chown_Errors=true",
       "overlay.skip_mount_home=false", "overlay.override_kernel_check=true"},
      warnings);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->additional_image_stores,
            (std::vector<std::string>{"/srv/a", "/srv/b", "/srv/c"}));
  EXPECT_EQ(parsed->mount_flags, static_cast<unsigned long>(MS_NODEV | MS_NOSUID));
  EXPECT_EQ(parsed->mount_data, "metacopy=on");
  EXPECT_TRUE(parsed->ignore_chown_errors);
  EXPECT_FALSE(parsed->skip_mount_home);
  EXPECT_TRUE(warnings.empty());
}

TEST(DriverOptionsTest, OptionsCrioCannotActOnAreWarnedAbout) {
  std::vector<std::string> warnings;
  const auto parsed =
      ParseDriverOptions({"overlay.mount_program=/usr/bin/fuse-overlayfs", "overlay.size=10G"},
                         warnings);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("overlay.mount_program"), std::string::npos);
}

TEST(DriverOptionsTest, UnknownKeysAndBadValuesAreClearErrors) {
  std::vector<std::string> warnings;
  const auto unknown = ParseDriverOptions({"overlay.colour=blue"}, warnings);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown option overlay.colour"), std::string::npos);
  EXPECT_FALSE(ParseDriverOptions({"overlay.ignore_chown_errors=maybe"}, warnings).ok());
  EXPECT_FALSE(ParseDriverOptions({"mountopt"}, warnings).ok());
}

}  // namespace
}  // namespace crio::storage
