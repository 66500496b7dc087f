#include "sys/cgroups.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/read_file.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

namespace crio::sys {
namespace {

TEST(CgroupfsChildTest, IsAbsoluteBelowTheParentWhateverItsSlashes) {
  EXPECT_EQ(CgroupfsChild("kubepods/pod1", "crio-x"), "/kubepods/pod1/crio-x");
  EXPECT_EQ(CgroupfsChild("/kubepods/pod1/", "crio-x"), "/kubepods/pod1/crio-x");
  EXPECT_EQ(CgroupfsChild("", "crio-x"), "/crio-x");
  EXPECT_EQ(CgroupfsChild("/", "crio-x"), "/crio-x");
}

TEST(CgroupMountsTest, ReadsEveryV1HierarchyAndTheV2Tree) {
  const std::string mountinfo =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "41 31 0:38 / /nonexistent/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "50 23 0:40 / /proc rw - proc proc rw\n";
  const std::vector<CgroupHierarchy> hierarchies = ParseCgroupMounts(mountinfo);
  ASSERT_EQ(hierarchies.size(), 3u);
  EXPECT_EQ(hierarchies[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_FALSE(hierarchies[0].v2);
  EXPECT_EQ(hierarchies[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(hierarchies[1].controllers, std::vector<std::string>{"name=systemd"});
  EXPECT_TRUE(hierarchies[2].v2);
  EXPECT_TRUE(hierarchies[2].controllers.empty()) << "a hybrid host's tree offers none";
}

TEST(SlicePathTest, NestsAtEachDashAsSystemdDoes) {
  EXPECT_EQ(SlicePath("system.slice").value(), "/system.slice");
  EXPECT_EQ(SlicePath("kubepods-besteffort-pod1.slice").value(),
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice");
  EXPECT_EQ(SlicePath("-.slice").value(), "/");
  for (const char* bad : {"pod", "a/b.slice", "-a.slice", "a--b.slice", ".slice"}) {
    EXPECT_FALSE(SlicePath(bad).ok()) << bad;
  }
}

TEST(SharesToWeightTest, ConvertsAsRuncAndCrun) {
  EXPECT_EQ(SharesToWeight(2), 1u);
  EXPECT_EQ(SharesToWeight(1024), 39u);
  EXPECT_EQ(SharesToWeight(200), 8u);
  EXPECT_EQ(SharesToWeight(262144), 10000u);
}

std::string Trim(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// On this host's real hierarchies (the tests run as root): a process placed in a new nested
// cgroup with CPU limits, then the cgroup removed once the process is gone.
TEST(PlaceInNewCgroupTest, MakesTheCgroupEverywhereAppliesTheLimitsAndMovesTheProcess) {
  auto hierarchies = MountedCgroupHierarchies();
  ASSERT_TRUE(hierarchies.ok()) << hierarchies.status();
  if (hierarchies->empty() || ::geteuid() != 0) GTEST_SKIP() << "needs root and cgroupfs";
  const std::string parent = fmt::format("/crio-cgroups-test-{}", ::getpid());
  const std::string path = parent + "/crio-conmon-test";
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const absl::Status placed = PlaceInNewCgroup(child, path, {.cpuset = "0", .shares = 200},
                                               *hierarchies);
  EXPECT_TRUE(placed.ok()) << placed;
  const std::string cgroups =
      ReadFileToString(fmt::format("/proc/{}/cgroup", child), 1 << 20).value_or("");
  for (const CgroupHierarchy& hierarchy : *hierarchies) {
    const std::string dir = hierarchy.mount_point + path;
    EXPECT_TRUE(std::filesystem::is_directory(dir)) << dir;
    const std::string procs = ReadFileToString(dir + "/cgroup.procs", 1 << 20).value_or("");
    EXPECT_EQ(Trim(procs), std::to_string(child)) << dir;
    bool v1_cpuset = false, v1_cpu = false;
    for (const std::string& controller : hierarchy.controllers) {
      v1_cpuset |= !hierarchy.v2 && controller == "cpuset";
      v1_cpu |= !hierarchy.v2 && controller == "cpu";
    }
    if (v1_cpuset) {
      EXPECT_EQ(Trim(ReadFileToString(dir + "/cpuset.cpus").value_or("")), "0");
    }
    if (v1_cpu) {
      EXPECT_EQ(Trim(ReadFileToString(dir + "/cpu.shares").value_or("")), "200");
    }
  }
  EXPECT_NE(cgroups.find(path), std::string::npos) << cgroups;

  EXPECT_EQ(RemoveCgroup(path, *hierarchies).code(), absl::StatusCode::kFailedPrecondition)
      << "a cgroup with a process stays";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  const absl::Status removed = RemoveCgroup(path, *hierarchies);
  EXPECT_TRUE(removed.ok()) << removed;
  EXPECT_TRUE(RemoveCgroup(path, *hierarchies).ok()) << "already gone is fine";
  for (const CgroupHierarchy& hierarchy : *hierarchies) {
    EXPECT_FALSE(std::filesystem::exists(hierarchy.mount_point + path));
    ::rmdir((hierarchy.mount_point + parent).c_str());
  }
}

}  // namespace
}  // namespace crio::sys
