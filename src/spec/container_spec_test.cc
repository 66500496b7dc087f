#include "spec/container_spec.h"

#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::spec {
namespace {

using nlohmann::json;

ContainerSpecInput Basic() {
  ContainerSpecInput input;
  input.args = {"/bin/sh", "-c", "sleep 1"};
  input.env = {"PATH=/bin"};
  input.uid = 33;
  input.gid = 33;
  input.rootfs = "/var/lib/crio/c/merged";
  input.hostname = "web-0";
  input.netns_path = "/var/run/netns/p";
  input.ipcns_path = "/var/run/ipcns/p";
  input.utsns_path = "/var/run/utsns/p";
  input.capabilities = {"CAP_CHOWN"};
  input.cgroups_path = "/kubepods/crio-c";
  input.mounts = {{"/etc/hostname", "bind", "/run/p/hostname", {"rbind", "ro"}},
                  {"/dev/shm", "bind", "/run/p/shm", {"rbind", "rw"}}};
  input.resources.memory_limit = 64 << 20;
  input.resources.cpu_shares = 512;
  return input;
}

std::vector<std::string> Destinations(const json& spec) {
  std::vector<std::string> out;
  for (const json& mount : spec["mounts"]) out.push_back(mount["destination"]);
  return out;
}

TEST(BuildSpecTest, PlainContainer) {
  const json spec = BuildSpec(Basic());
  EXPECT_EQ(spec["ociVersion"], "1.0.2");
  EXPECT_EQ(spec["process"]["args"], json::parse(R"(["/bin/sh","-c","sleep 1"])"));
  EXPECT_EQ(spec["process"]["user"], json::parse(R"({"uid":33,"gid":33})"));
  EXPECT_EQ(spec["process"]["capabilities"]["bounding"], json::parse(R"(["CAP_CHOWN"])"));
  EXPECT_EQ(spec["root"]["path"], "/var/lib/crio/c/merged");
  EXPECT_EQ(spec["hostname"], "web-0");
  EXPECT_EQ(Destinations(spec),
            (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys",
                                      "/sys/fs/cgroup", "/etc/hostname", "/dev/shm"}));
  EXPECT_EQ(spec["mounts"][4]["options"].back(), "ro");  // /sys read-only
  const json& linux_section = spec["linux"];
  EXPECT_EQ(linux_section["namespaces"], json::parse(R"([{"type":"mount"},{"type":"pid"},
                            {"type":"network","path":"/var/run/netns/p"},
                            {"type":"ipc","path":"/var/run/ipcns/p"},
                            {"type":"uts","path":"/var/run/utsns/p"}])"));
  EXPECT_EQ(linux_section["maskedPaths"].size(), DefaultMaskedPaths().size());
  EXPECT_EQ(linux_section["readonlyPaths"], DefaultReadonlyPaths());
  EXPECT_EQ(linux_section["resources"]["memory"]["limit"], 64 << 20);
  EXPECT_EQ(linux_section["resources"]["cpu"]["shares"], 512);
  EXPECT_EQ(linux_section["cgroupsPath"], "/kubepods/crio-c");
}

TEST(BuildSpecTest, MountPropagationReachesTheRootfs) {
  ContainerSpecInput input = Basic();
  EXPECT_FALSE(BuildSpec(input)["linux"].contains("rootfsPropagation"));
  input.mounts.push_back({"/host", "bind", "/mnt", {"rbind", "rslave", "ro"}});
  EXPECT_EQ(BuildSpec(input)["linux"]["rootfsPropagation"], "rslave");
  input.mounts.push_back({"/shared", "bind", "/srv", {"rbind", "rshared", "rw"}});
  EXPECT_EQ(BuildSpec(input)["linux"]["rootfsPropagation"], "rshared");
}

TEST(BuildSpecTest, DevicesAreCreatedAndAllowed) {
  ContainerSpecInput input = Basic();
  input.devices = {{.path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229, .access = "rw"}};
  const json spec = BuildSpec(input);
  EXPECT_EQ(spec["linux"]["devices"][0]["path"], "/dev/fuse");
  EXPECT_EQ(spec["linux"]["devices"][0]["major"], 10);
  const json& rules = spec["linux"]["resources"]["devices"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["allow"], false);  // deny all first, then the device
  EXPECT_EQ(rules[1],
            json::parse(R"({"allow":true,"type":"c","major":10,"minor":229,"access":"rw"})"));
}

TEST(BuildSpecTest, PrivilegedHostPidAndOverrides) {
  ContainerSpecInput input = Basic();
  input.privileged = true;
  input.host_pid = true;
  input.netns_path.clear();  // host network
  input.mounts.push_back({"/sys", "bind", "/sys", {"rbind", "rw"}});
  const json spec = BuildSpec(input);
  EXPECT_FALSE(spec["linux"].contains("maskedPaths"));
  EXPECT_FALSE(spec["linux"].contains("readonlyPaths"));
  EXPECT_EQ(spec["linux"]["resources"]["devices"],
            json::parse(R"([{"allow":true,"access":"rwm"}])"));  // every device allowed
  const std::vector<std::string> destinations = Destinations(spec);
  EXPECT_EQ(std::count(destinations.begin(), destinations.end(), "/sys"), 1);
  EXPECT_EQ(std::count(destinations.begin(), destinations.end(), "/sys/fs/cgroup"), 0);
  for (const json& ns : spec["linux"]["namespaces"]) {
    EXPECT_NE(ns["type"], "pid");
    EXPECT_NE(ns["type"], "network");
  }
}

TEST(BuildSpecTest, RequestedMasksAddToTheDefaultsNeverReplaceThem) {
  ContainerSpecInput input = Basic();
  input.host_masked_paths = {"/sys/devices/system/cpu/cpu0/thermal_throttle"};
  input.masked_paths = {"/proc/kcore", "/proc/extra"};  // a partial list, as a kubelet may send
  input.readonly_paths = {"/proc/sys", "/proc/more"};
  const json spec = BuildSpec(input);
  const auto masked = spec["linux"]["maskedPaths"].get<std::vector<std::string>>();
  for (const std::string& path : DefaultMaskedPaths()) {
    EXPECT_EQ(std::count(masked.begin(), masked.end(), path), 1) << path;
  }
  for (const char* path : {"/proc/extra", "/sys/devices/system/cpu/cpu0/thermal_throttle",
                           "/sys/fs/selinux", "/proc/interrupts", "/proc/asound"}) {
    EXPECT_EQ(std::count(masked.begin(), masked.end(), path), 1) << path;
  }
  EXPECT_TRUE(std::is_sorted(masked.begin(), masked.end()));
  EXPECT_EQ(masked.size(), DefaultMaskedPaths().size() + 2);
  const auto readonly = spec["linux"]["readonlyPaths"].get<std::vector<std::string>>();
  EXPECT_EQ(readonly, (std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/more",
                                                "/proc/sys", "/proc/sysrq-trigger"}));

  input.privileged = true;  // privileged: none at all, whatever was asked
  EXPECT_FALSE(BuildSpec(input)["linux"].contains("maskedPaths"));
  EXPECT_FALSE(BuildSpec(input)["linux"].contains("readonlyPaths"));
}

TEST(HostMaskedPathsTest, ThermalThrottleDirectoriesThatExist) {
  crio::testing::TempDir sys;
  std::filesystem::create_directories(sys.Join("devices/system/cpu/cpu0/thermal_throttle"));
  std::filesystem::create_directories(sys.Join("devices/system/cpu/cpu1"));
  std::filesystem::create_directories(sys.Join("devices/system/cpu/cpu12/thermal_throttle"));
  EXPECT_EQ(HostMaskedPaths(sys.path()),
            (std::vector<std::string>{"/sys/devices/system/cpu/cpu0/thermal_throttle",
                                      "/sys/devices/system/cpu/cpu12/thermal_throttle"}));
  EXPECT_TRUE(HostMaskedPaths(sys.Join("absent")).empty());
}

TEST(BuildSpecTest, CgroupNamespaceOnCgroupV2ForUnprivilegedContainers) {
  ContainerSpecInput input = Basic();
  auto has_cgroupns = [](const ContainerSpecInput& spec_input) {
    const json spec = BuildSpec(spec_input);
    for (const json& ns : spec["linux"]["namespaces"]) {
      if (ns["type"] == "cgroup") return !ns.contains("path");  // a new one
    }
    return false;
  };
  EXPECT_FALSE(has_cgroupns(input));  // cgroup v1: the host's, as under CRI-O
  input.cgroup_v2 = true;
  EXPECT_TRUE(has_cgroupns(input));
  input.privileged = true;  // privileged containers see the host's cgroups
  EXPECT_FALSE(has_cgroupns(input));
}

}  // namespace
}  // namespace crio::spec
