#include "sys/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gtest/gtest.h"
#include "sys/unique_fd.h"

namespace crio::sys {
namespace {

// Pinning needs root (CLONE_NEW*, mount); the test skips without it.
class NamespacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    char pattern[] = "/tmp/crio-ns-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Reads a file as seen from inside the namespace pinned at `netns`.
  static std::string ReadInNetns(const std::string& netns, const std::string& path) {
    std::string content;
    std::thread reader([&] {
      UniqueFd ns(::open(netns.c_str(), O_RDONLY | O_CLOEXEC));
      ::unshare(CLONE_FS);
      if (::setns(ns.get(), CLONE_NEWNET) != 0) return;
      std::ifstream file(path);
      std::getline(file, content);
    });
    reader.join();
    return content;
  }

  // Whether lo is up inside the namespace pinned at `netns`.
  static bool LoopbackUpIn(const std::string& netns) {
    bool up = false;
    std::thread probe([&] {
      UniqueFd ns(::open(netns.c_str(), O_RDONLY | O_CLOEXEC));
      if (::setns(ns.get(), CLONE_NEWNET) != 0) return;
      UniqueFd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      ifreq request{};
      std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
      up = ::ioctl(socket.get(), SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_UP) != 0;
    });
    probe.join();
    return up;
  }

  std::string dir_;
};

TEST_F(NamespacesTest, PinsNewNamespacesWithSysctlsInside) {
  std::string host_value;
  std::getline(std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start"), host_value);
  auto pinned = PinNamespaces({.dir = dir_,
                               .name = "pod1",
                               .hostname = "pod-host",
                               .sysctls = {{"net.ipv4.ip_unprivileged_port_start", "80"}}});
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->net, dir_ + "/netns/pod1");
  EXPECT_EQ(pinned->ipc, dir_ + "/ipcns/pod1");
  EXPECT_EQ(pinned->uts, dir_ + "/utsns/pod1");
  for (const std::string* path : {&pinned->net, &pinned->ipc, &pinned->uts}) {
    EXPECT_TRUE(IsPinnedNamespace(*path)) << *path;
  }
  EXPECT_EQ(ReadInNetns(pinned->net, "/proc/sys/net/ipv4/ip_unprivileged_port_start"), "80");
  EXPECT_TRUE(LoopbackUpIn(pinned->net));  // localhost works in the pod
  std::string host_after;
  std::getline(std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start"), host_after);
  EXPECT_EQ(host_after, host_value);  // the host's namespace is untouched

  for (const std::string* path : {&pinned->net, &pinned->ipc, &pinned->uts}) {
    EXPECT_TRUE(UnpinNamespace(*path).ok());
    EXPECT_FALSE(std::filesystem::exists(*path));
    EXPECT_TRUE(UnpinNamespace(*path).ok());  // idempotent
  }
}

TEST_F(NamespacesTest, ConcurrentPinsDoNotHoldEachOthersPipes) {
  std::vector<std::thread> threads;
  std::atomic<int> pinned_count{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto pinned = PinNamespaces({.dir = dir_, .name = "c" + std::to_string(t * 100 + i)});
        if (!pinned.ok()) continue;
        ++pinned_count;
        for (const std::string* path : {&pinned->net, &pinned->ipc, &pinned->uts}) {
          (void)UnpinNamespace(*path);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(pinned_count, 80);
}

TEST_F(NamespacesTest, HostNamespacesAreNotPinned) {
  auto pinned = PinNamespaces({.dir = dir_, .name = "pod2", .net = false, .ipc = false});
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_TRUE(pinned->net.empty());
  EXPECT_TRUE(pinned->ipc.empty());
  ASSERT_FALSE(pinned->uts.empty());
  EXPECT_TRUE(UnpinNamespace(pinned->uts).ok());
}

TEST_F(NamespacesTest, FailedSysctlPinsNothing) {
  auto pinned =
      PinNamespaces({.dir = dir_, .name = "pod3", .sysctls = {{"net.ipv4.no_such_setting", "1"}}});
  ASSERT_FALSE(pinned.ok());
  EXPECT_NE(std::string(pinned.status().message()).find("net.ipv4.no_such_setting=1"),
            std::string::npos)
      << pinned.status();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/netns/pod3"));
}

}  // namespace
}  // namespace crio::sys
