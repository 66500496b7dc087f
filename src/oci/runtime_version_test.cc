#include "oci/runtime_version.h"

#include "gtest/gtest.h"

namespace crio::oci {
namespace {

TEST(VulnerableRuntimeWarningTest, OldUpstreamRuncIsNamed) {
  const auto warning = VulnerableRuntimeWarning(
      "/usr/local/bin/runc", "runc version 1.1.11\ncommit: v1.1.11-0-g4bccb38c\nspec: 1.0.2-dev\n");
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("/usr/local/bin/runc is runc 1.1.11, older than 1.1.12"),
            std::string::npos);
  EXPECT_NE(warning->find("CVE-2024-21626"), std::string::npos);
  EXPECT_TRUE(VulnerableRuntimeWarning("runc", "runc version 1.0.0\n").has_value());
}

TEST(VulnerableRuntimeWarningTest, FixedAndBackportedRuncsAndOtherRuntimesPass) {
  EXPECT_FALSE(VulnerableRuntimeWarning("runc", "runc version 1.1.12\ncommit: v1.1.12\n"));
  EXPECT_FALSE(VulnerableRuntimeWarning("runc", "runc version 1.2.0\n"));
  EXPECT_FALSE(VulnerableRuntimeWarning(
      "/usr/sbin/runc", "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n"));
  EXPECT_TRUE(VulnerableRuntimeWarning(
      "/usr/sbin/runc", "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1\nspec: 1.0.2-dev\n"));
  EXPECT_FALSE(VulnerableRuntimeWarning("crun", "crun version 1.8.1\ncommit: f8a096be\n"));
}

}  // namespace
}  // namespace crio::oci
