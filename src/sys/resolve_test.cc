#include "sys/resolve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::sys {
namespace {

class ReadFileInRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(rootfs_.Join("etc"));
    root_ = UniqueFd(::open(rootfs_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_);
  }

  testing::TempDir rootfs_;
  UniqueFd root_;
};

TEST_F(ReadFileInRootTest, ReadsARegularFile) {
  rootfs_.WriteFile("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  auto text = ReadFileInRoot(root_.get(), "etc/passwd", 1 << 20);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "root:x:0:0::/root:/bin/sh\n");
}

TEST_F(ReadFileInRootTest, AFifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(rootfs_.Join("etc/passwd").c_str(), 0644), 0);
  auto text = ReadFileInRoot(root_.get(), "etc/passwd", 1 << 20);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(text.status().message().find("etc/passwd is a FIFO"), std::string::npos)
      << text.status();
}

TEST_F(ReadFileInRootTest, ADeviceNodeIsNeverOpened) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod needs root";
  ASSERT_EQ(::mknod(rootfs_.Join("etc/group").c_str(), S_IFCHR | 0644, makedev(1, 5)), 0);
  auto text = ReadFileInRoot(root_.get(), "etc/group", 1 << 20);  // /dev/zero's numbers
  EXPECT_EQ(text.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(text.status().message().find("a character device"), std::string::npos);
}

TEST_F(ReadFileInRootTest, SymlinksResolveInsideTheTreeOnly) {
  const testing::TempDir outside;
  outside.WriteFile("secret", "host secret\n");
  ASSERT_EQ(::symlink(outside.Join("secret").c_str(), rootfs_.Join("etc/passwd").c_str()), 0);
  // The absolute target is looked up inside the tree, where it does not exist.
  EXPECT_EQ(ReadFileInRoot(root_.get(), "etc/passwd", 1 << 20).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_EQ(::symlink("../../../../../etc/hostname", rootfs_.Join("etc/group").c_str()), 0);
  EXPECT_EQ(ReadFileInRoot(root_.get(), "etc/group", 1 << 20).status().code(),
            absl::StatusCode::kNotFound);
  rootfs_.WriteFile("usr/lib/passwd", "kept\n");
  ASSERT_EQ(::symlink("/usr/lib/passwd", rootfs_.Join("etc/shadow").c_str()), 0);
  auto inside = ReadFileInRoot(root_.get(), "etc/shadow", 1 << 20);
  ASSERT_TRUE(inside.ok()) << inside.status();
  EXPECT_EQ(*inside, "kept\n");
}

TEST_F(ReadFileInRootTest, SizeIsBounded) {
  rootfs_.WriteFile("etc/passwd", std::string(4096, 'x'));
  EXPECT_EQ(ReadFileInRoot(root_.get(), "etc/passwd", 1024).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(ReadFileInRootTest, ResolveInRootFollowsTheImagesLinksInsideItsTree) {
  std::filesystem::create_directories(rootfs_.Join("proc"));
  std::filesystem::create_directories(rootfs_.Join("srv/app"));
  ASSERT_EQ(::symlink("/proc/self/fd/7", rootfs_.Join("work").c_str()), 0);
  ASSERT_EQ(::symlink("../../../proc/self", rootfs_.Join("srv/up").c_str()), 0);
  ASSERT_EQ(::symlink("app", rootfs_.Join("srv/current").c_str()), 0);
  ASSERT_EQ(::symlink("loop", rootfs_.Join("loop").c_str()), 0);
  EXPECT_EQ(*ResolveInRoot(root_.get(), "/work"), "/proc/self/fd/7");
  EXPECT_EQ(*ResolveInRoot(root_.get(), "/srv/up/cwd"), "/proc/self/cwd");
  EXPECT_EQ(*ResolveInRoot(root_.get(), "/srv/current/data"), "/srv/app/data");
  EXPECT_EQ(*ResolveInRoot(root_.get(), "/srv/../../etc"), "/etc");
  EXPECT_EQ(ResolveInRoot(root_.get(), "/loop").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::sys
