#include "sandbox/validate.h"

#include "gtest/gtest.h"

namespace crio::sandbox {
namespace {

SandboxSpec Valid() {
  SandboxSpec spec;
  spec.metadata = {.name = "web", .uid = "uid-1", .namespace_ = "default", .attempt = 0};
  spec.hostname = "web";
  return spec;
}

void ExpectInvalid(const SandboxSpec& spec, const std::string& mentions) {
  const absl::Status status = ValidateSpec(spec);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << mentions;
  EXPECT_NE(status.message().find(mentions), std::string::npos) << status;
}

TEST(ValidateSpecTest, AcceptsAPlainPod) { EXPECT_TRUE(ValidateSpec(Valid()).ok()); }

TEST(ValidateSpecTest, MetadataIsRequired) {
  SandboxSpec spec = Valid();
  spec.metadata.name = "";
  ExpectInvalid(spec, "Metadata.Name is empty");
  spec = Valid();
  spec.metadata.namespace_ = "";
  ExpectInvalid(spec, "Metadata.Namespace is empty");
  spec = Valid();
  spec.metadata.uid = "";
  ExpectInvalid(spec, "Metadata.Uid is empty");
  spec = Valid();
  spec.metadata.name = "a/b";
  ExpectInvalid(spec, "Metadata.Name \"a/b\" is invalid");
}

TEST(ValidateSpecTest, NamesCannotInjectCniArgs) {
  for (const char* hostile : {"web;IgnoreUnknown=1", "web=x"}) {
    SandboxSpec spec = Valid();
    spec.metadata.name = hostile;
    ExpectInvalid(spec, "Metadata.Name");
    spec = Valid();
    spec.metadata.namespace_ = hostile;
    ExpectInvalid(spec, "Metadata.Namespace");
    spec = Valid();
    spec.metadata.uid = hostile;
    ExpectInvalid(spec, "Metadata.Uid");
  }
}

TEST(ValidateSpecTest, SizesAreBounded) {
  SandboxSpec spec = Valid();
  spec.labels["big"] = std::string(5000, 'x');
  ExpectInvalid(spec, "labels \"big\"");
  spec = Valid();
  spec.hostname = std::string(65, 'a');
  ExpectInvalid(spec, "hostname");
  spec = Valid();
  spec.dns.servers.assign(33, "10.0.0.1");
  ExpectInvalid(spec, "more than 32 servers");
}

TEST(ValidateSpecTest, FileContentCannotBeInjected) {
  SandboxSpec spec = Valid();
  spec.dns.searches = {"cluster.local\nnameserver 6.6.6.6"};
  ExpectInvalid(spec, "DNSConfig searches");
  spec = Valid();
  spec.hostname = "web\n10.0.0.1 evil";
  ExpectInvalid(spec, "hostname");
  spec.hostname = "web 10.0.0.1";
  ExpectInvalid(spec, "hostname");
}

TEST(ValidateSpecTest, HostnamesAreWhatTheKernelTakes) {
  SandboxSpec spec = Valid();
  for (const std::string hostname : {"crictl_host", "web-1.example", "UPPER", "a~b"}) {
    spec.hostname = hostname;
    EXPECT_TRUE(ValidateSpec(spec).ok()) << hostname;
  }
}

TEST(ValidateSpecTest, PortsAndPaths) {
  SandboxSpec spec = Valid();
  spec.port_mappings = {{.protocol = "tcp", .container_port = 70000, .host_port = 80}};
  ExpectInvalid(spec, "out of range");
  spec = Valid();
  spec.log_directory = "relative/logs";
  ExpectInvalid(spec, "absolute");
  spec = Valid();
  spec.ipc_mode = NamespaceMode::kTarget;
  ExpectInvalid(spec, "TARGET");
  spec = Valid();
  spec.pid_mode = NamespaceMode::kTarget;  // as CRI-O: the pod shares no PID namespace
  EXPECT_TRUE(ValidateSpec(spec).ok());
}

TEST(ValidateCgroupParentTest, MustSuitTheCgroupManager) {
  EXPECT_TRUE(ValidateCgroupParent("", "systemd").ok());
  EXPECT_TRUE(ValidateCgroupParent("kubepods-besteffort-pod1.slice", "systemd").ok());
  EXPECT_TRUE(ValidateCgroupParent("/kubepods/besteffort/pod1", "cgroupfs").ok());
  EXPECT_FALSE(ValidateCgroupParent("/kubepods/pod1", "systemd").ok());
  EXPECT_FALSE(ValidateCgroupParent("kubepods.slice", "cgroupfs").ok());
  EXPECT_FALSE(ValidateCgroupParent("/kubepods/../../etc", "cgroupfs").ok());
}

TEST(ParseQuantityTest, KubernetesQuantitiesRoundedUp) {
  EXPECT_EQ(*ParseQuantity("16Mi"), 16u << 20);
  EXPECT_EQ(*ParseQuantity("64M"), 64000000u);
  EXPECT_EQ(*ParseQuantity("1.5Gi"), 3u << 29);
  EXPECT_EQ(*ParseQuantity("0.1k"), 100u);
  EXPECT_EQ(*ParseQuantity("1.0001"), 2u);
  EXPECT_EQ(*ParseQuantity("1Ei"), 1ULL << 60);
  for (const char* invalid : {"", "Mi", "16 Mi", "16MB", "-1", "16Ei", "1.2.3"}) {
    const auto parsed = ParseQuantity(invalid);
    ASSERT_FALSE(parsed.ok()) << invalid;
    EXPECT_NE(parsed.status().message().find("quantities must match the regular expression"),
              std::string::npos);
  }
}

TEST(ParseBandwidthTest, KubernetesQuantities) {
  EXPECT_EQ(*ParseBandwidth("1000"), 1000u);
  EXPECT_EQ(*ParseBandwidth("10M"), 10000000u);
  EXPECT_EQ(*ParseBandwidth("1Gi"), 1073741824u);
  EXPECT_FALSE(ParseBandwidth("fast").ok());
  EXPECT_FALSE(ParseBandwidth("10X").ok());
  EXPECT_FALSE(ParseBandwidth("").ok());
}

}  // namespace
}  // namespace crio::sandbox
