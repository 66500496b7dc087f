#include "status/status_text.h"

#include "gtest/gtest.h"

namespace crio::status {
namespace {

using json = nlohmann::json;

TEST(StatusTextTest, InfoAsCrioStatusPrintsIt) {
  const json info = json::parse(R"({
    "cgroup_driver": "cgroupfs", "storage_driver": "overlay",
    "storage_root": "/var/lib/containers/storage", "storage_image": "",
    "default_id_mappings": {
      "uids": [{"container_id": 0, "host_id": 0, "size": 4294967295}],
      "gids": [{"container_id": 0, "host_id": 100000, "size": 65536}]}})");
  EXPECT_EQ(InfoText(info).value(),
            "cgroup driver: cgroupfs\n"
            "storage driver: overlay\n"
            "storage root: /var/lib/containers/storage\n"
            "default GID mappings (format <container>:<host>:<size>):\n"
            "  0:100000:65536\n"
            "default UID mappings (format <container>:<host>:<size>):\n"
            "  0:0:4294967295\n");
  EXPECT_FALSE(InfoText(json::array()).ok());
}

TEST(StatusTextTest, ContainerAsCrioStatusPrintsIt) {
  const json container = json::parse(R"({
    "name": "k8s_c_p_ns_uid_0", "pid": 42, "image": "quay.io/crio/redis:alpine",
    "image_ref": "quay.io/crio/redis@sha256:ab", "created_time": 1700000000000000000,
    "labels": {"tier": "backend", "app": "redis"}, "annotations": {"pod": "podsandbox1"},
    "crio_annotations": {"io.kubernetes.cri-o.ContainerType": "container"},
    "log_path": "/var/log/c.log", "root": "/r/merged", "sandbox": "abc",
    "ip_addresses": ["10.88.0.2", "fd00::2"]})");
  EXPECT_EQ(ContainerText(container).value(),
            "name: k8s_c_p_ns_uid_0\n"
            "pid: 42\n"
            "image: quay.io/crio/redis:alpine\n"
            "image ref: quay.io/crio/redis@sha256:ab\n"
            "created: 1700000000000000000\n"
            "labels:\n"
            "  app: redis\n"
            "  tier: backend\n"
            "annotations:\n"
            "  pod: podsandbox1\n"
            "CRI-O annotations:\n"
            "  io.kubernetes.cri-o.ContainerType: container\n"
            "log path: /var/log/c.log\n"
            "root: /r/merged\n"
            "sandbox: abc\n"
            "ips: 10.88.0.2, fd00::2\n");
}

}  // namespace
}  // namespace crio::status
