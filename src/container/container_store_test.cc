#include "container/container_store.h"

#include "gtest/gtest.h"
#include "state/database.h"

namespace crio::container {
namespace {

// A container with every field set to something other than its default.
Container Example() {
  ContainerRequest request;
  request.pod_id = std::string(64, 'p');
  request.name = "web";
  request.attempt = 3;
  request.image = "busybox";
  request.command = {"sh", "-c"};
  request.args = {"sleep 600"};
  request.working_dir = "/srv";
  request.env = {"A=1"};
  request.mounts = {{.container_path = "/data",
                     .host_path = "/var/data",
                     .readonly = true,
                     .recursive_read_only = true,
                     .propagation = Propagation::kHostToContainer}};
  request.devices = {{.container_path = "/dev/x", .host_path = "/dev/null", .permissions = "r"}};
  request.labels = {{"app", "web"}};
  request.annotations = {{"note", "yes"}};
  request.log_path = "web.log";
  request.stdin = true;
  request.stdin_once = true;
  request.tty = true;
  request.resources.memory_limit = 1 << 30;
  request.resources.cpu_shares = 512;
  request.oom_score_adj = 500;
  request.privileged = true;
  request.readonly_rootfs = true;
  request.add_capabilities = {"NET_ADMIN"};
  request.drop_capabilities = {"KILL"};
  request.run_as_user = 0;  // set, and zero: not the same as unset
  request.run_as_username = "nobody";
  request.run_as_group = 7;
  request.supplemental_groups = {10, 20};
  request.strict_supplemental_groups = true;
  request.no_new_privs = true;
  request.masked_paths = {"/proc/kcore"};
  request.readonly_paths = {"/proc/sys"};
  request.pid_mode = sandbox::NamespaceMode::kTarget;
  request.pid_target = std::string(64, 't');
  request.stop_signal = "SIGINT";
  request.seccomp_profile = "runtime/default";
  request.apparmor_profile = "unconfined";
  request.config_blob = std::string("\0\1cfg", 5);
  return Container{.id = std::string(64, 'c'),
                   .request = request,
                   .image_id = "sha256:abc",
                   .image_name = "busybox:latest",
                   .image_ref = "busybox@sha256:def",
                   .runtime_handler = "runc",
                   .infra = true,
                   .creating = true,
                   .state = ContainerState::kExited,
                   .created_at = 1,
                   .started_at = 2,
                   .finished_at = 3,
                   .exit_code = 137,
                   .reason = "OOMKilled",
                   .message = "out of memory",
                   .pid = 42,
                   .log_path = "/var/log/pods/web.log",
                   .bundle = "/run/b",
                   .persist_dir = "/var/p",
                   .rootfs = "/var/r",
                   .stop_signal = 2,
                   .boot_id = "boot",
                   .uid = 1000,
                   .gid = 1000,
                   .supplemental_groups = {10}};
}

TEST(ContainerStoreTest, TheRecordKeepsEveryFieldRestoreNeeds) {
  const Container original = Example();
  auto decoded = DecodeContainer(EncodeContainer(original));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeContainer(*decoded), EncodeContainer(original));
  const ContainerRequest& request = decoded->request;
  EXPECT_EQ(request.command, original.request.command);
  EXPECT_EQ(request.args, original.request.args);
  EXPECT_TRUE(request.privileged);
  EXPECT_EQ(request.run_as_user, std::optional<int64_t>(0));
  EXPECT_EQ(request.pid_mode, sandbox::NamespaceMode::kTarget);
  EXPECT_EQ(request.devices.size(), 1u);
  EXPECT_TRUE(request.mounts.at(0).recursive_read_only);
  EXPECT_EQ(request.config_blob, original.request.config_blob);
  EXPECT_TRUE(decoded->creating);
}

TEST(ContainerStoreTest, UnsetOptionalsStayUnset) {
  Container container = Example();
  container.request.run_as_user.reset();
  container.request.run_as_group.reset();
  auto decoded = DecodeContainer(EncodeContainer(container));
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->request.run_as_user.has_value());
  EXPECT_FALSE(decoded->request.run_as_group.has_value());
}

TEST(ContainerStoreTest, SavedRowsLoadAndDelete) {
  auto db = state::Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  auto store = ContainerStore::Open(**db);
  ASSERT_TRUE(store.ok());
  const Container container = Example();
  ASSERT_TRUE((*store)->Save(container, "k8s_web").ok());
  ASSERT_TRUE((*store)->Save(container, "k8s_web").ok());  // replaced
  auto loaded = (*store)->LoadAll(nullptr);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(EncodeContainer((*loaded)[0]), EncodeContainer(container));
  ASSERT_TRUE((*store)->Delete(container.id).ok());
  EXPECT_TRUE((*store)->LoadAll(nullptr)->empty());
}

}  // namespace
}  // namespace crio::container
