#include "sandbox/sandbox_store.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace crio::sandbox {
namespace {

Sandbox Example() {
  Sandbox sandbox;
  sandbox.id = std::string(64, 'a');
  sandbox.spec.metadata = {.name = "web", .uid = "u1", .namespace_ = "ns", .attempt = 2};
  sandbox.spec.labels = {{"app", "web"}};
  sandbox.spec.port_mappings = {{.protocol = "udp", .container_port = 53, .host_port = 5353}};
  sandbox.spec.dns.servers = {"10.0.0.10"};
  sandbox.spec.pid_mode = NamespaceMode::kContainer;
  sandbox.spec.sysctls = {{"net.ipv4.ip_forward", "1"}};
  sandbox.spec.config_blob = std::string("\0\1binary", 8);
  sandbox.state = SandboxState::kNotReady;
  sandbox.created_at = 1234567890123;
  sandbox.netns_path = "/run/netns/x";
  sandbox.ips = {"10.85.0.2", "fd00::2"};
  sandbox.network_attached = true;  // a NOTREADY pod whose DEL failed
  sandbox.creating = true;
  return sandbox;
}

TEST(SandboxStoreTest, RowsRoundTrip) {
  auto db = state::Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  auto store = SandboxStore::Open(**db);
  ASSERT_TRUE(store.ok());
  const Sandbox sandbox = Example();
  ASSERT_TRUE((*store)->Save(sandbox).ok());
  ASSERT_TRUE((*store)->Save(sandbox).ok());  // replace, not duplicate
  auto loaded = (*store)->LoadAll(nullptr);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(EncodeSandbox((*loaded)[0]), EncodeSandbox(sandbox));
  EXPECT_EQ((*loaded)[0].spec.config_blob, sandbox.spec.config_blob);
  EXPECT_TRUE((*loaded)[0].network_attached);
  EXPECT_TRUE((*loaded)[0].creating);
  ASSERT_TRUE((*store)->Delete(sandbox.id).ok());
  EXPECT_TRUE((*store)->LoadAll(nullptr)->empty());
}

TEST(SandboxStoreTest, RowsFromBeforeTheAttachmentFlagReadAsAttachedWhenReady) {
  Sandbox ready = Example();
  ready.state = SandboxState::kReady;
  ready.network = "crio";
  nlohmann::json old = nlohmann::json::parse(EncodeSandbox(ready));
  old.erase("network_attached");
  old.erase("creating");
  auto decoded = DecodeSandbox(old.dump());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->network_attached);
  EXPECT_FALSE(decoded->creating);
  ready.state = SandboxState::kNotReady;
  old = nlohmann::json::parse(EncodeSandbox(ready));
  old.erase("network_attached");
  EXPECT_FALSE(DecodeSandbox(old.dump())->network_attached);
}

TEST(SandboxStoreTest, CorruptRowsAreReportedNotFatal) {
  EXPECT_EQ(DecodeSandbox("{}").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeSandbox("not json").status().code(), absl::StatusCode::kDataLoss);
}

TEST(SandboxStoreTest, PodNameIsCriOs) {
  EXPECT_EQ(PodName({.name = "web", .uid = "u1", .namespace_ = "ns", .attempt = 2}),
            "k8s_web_ns_u1_2");
}

}  // namespace
}  // namespace crio::sandbox
