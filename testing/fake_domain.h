// The pod and container domain wired to fakes, for server-layer tests: an in-memory
// database, a real image store and layer dir under `dir`, a fake CNI network, fake namespace
// pinning and a fake OCI runtime. Header-only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "container/containers.h"
#include "oci/oci_runtime.h"
#include "sandbox/sandboxes.h"
#include "state/database.h"
#include "stats/container_stats.h"
#include "storage/container_layers.h"
#include "storage/image_store.h"
#include "stream/stream_server.h"
#include "testing/fake_pod.h"

namespace crio::testing {

// Records what it is asked and pretends every call works.
class FakeOciRuntime final : public oci::OciRuntime {
 public:
  absl::StatusOr<oci::Created> Create(const oci::CreateRequest& request) override {
    created.push_back(request.id);
    listed.push_back(
        {.id = request.id, .bundle = request.bundle, .status = "created", .pid = 4242});
    return oci::Created{.pid = 4242, .monitor_pid = 4241};
  }
  absl::Status Start(const std::string& id) override {
    started.push_back(id);
    for (oci::RuntimeContainer& container : listed) {
      if (container.id == id) container.status = "running";
    }
    return absl::OkStatus();
  }
  absl::Status Kill(const std::string&, int, bool) override { return absl::OkStatus(); }
  absl::Status Delete(const std::string& id) override {
    std::erase_if(listed,
                  [&id](const oci::RuntimeContainer& container) { return container.id == id; });
    return absl::OkStatus();
  }
  absl::StatusOr<oci::RuntimeState> State(const std::string&) override {
    return oci::RuntimeState{.status = "running", .pid = 4242};
  }
  absl::StatusOr<std::vector<oci::RuntimeContainer>> List() override { return listed; }
  absl::Status Update(const std::string&, const std::string&) override { return absl::OkStatus(); }
  absl::Status Pause(const std::string&) override { return absl::OkStatus(); }
  absl::Status Resume(const std::string&) override { return absl::OkStatus(); }
  absl::StatusOr<oci::ExecResult> ExecSync(const oci::ExecRequest&) override {
    return oci::ExecResult{.exit_code = 0, .out = "fake\n", .err = ""};
  }

  absl::StatusOr<std::unique_ptr<oci::ExecProcess>> StartExec(const oci::ExecRequest&,
                                                              const oci::ExecStdio&) override {
    return absl::UnavailableError("the fake runtime runs no processes");
  }
  absl::StatusOr<sys::UniqueFd> ConnectAttach(const std::string&) override {
    return absl::UnavailableError("the fake runtime has no attach socket");
  }
  absl::Status ResizeTerminal(const std::string&, uint16_t, uint16_t) override {
    return absl::OkStatus();
  }
  absl::StatusOr<oci::RecordedExit> ExitOf(const std::string& id, const std::string&,
                                           const std::string&) override {
    return absl::NotFoundError("container " + id + " runs until deleted");
  }
  absl::Status ReopenLog(const std::string&) override { return absl::OkStatus(); }

  std::vector<std::string> created;
  std::vector<std::string> started;
  std::vector<oci::RuntimeContainer> listed;  // created and not deleted yet
};

// A streaming backend with nothing behind it: every session fails.
class NoStreams final : public stream::StreamBackend {
 public:
  absl::StatusOr<int> Exec(const stream::ExecTarget&, const stream::CommandStreams&) override {
    return absl::UnavailableError("no exec in tests");
  }
  absl::Status Attach(const stream::AttachTarget&, const stream::CommandStreams&) override {
    return absl::UnavailableError("no attach in tests");
  }
  absl::StatusOr<sys::UniqueFd> DialPort(const std::string&, int32_t) override {
    return absl::UnavailableError("no port-forward in tests");
  }
};

// RuntimeHandlers whose default ("runc") handler is a FakeOciRuntime, which `observer`
// (when given) is pointed at.
inline oci::RuntimeHandlers FakeHandlers(FakeOciRuntime** observer = nullptr) {
  auto runtime = std::make_unique<FakeOciRuntime>();
  if (observer != nullptr) *observer = runtime.get();
  std::map<std::string, std::unique_ptr<oci::OciRuntime>> handlers;
  handlers.emplace("runc", std::move(runtime));
  return oci::RuntimeHandlers(std::move(handlers), "runc");
}

// Images straight from a store; pulling always fails (no registry).
class StoreImageSource final : public container::ImageSource {
 public:
  explicit StoreImageSource(storage::ImageStore& store) : store_(store) {}
  absl::StatusOr<std::optional<storage::ImageRecord>> Find(const std::string& name) override {
    return store_.Find(name);
  }
  absl::StatusOr<std::string> Config(const std::string& image_id) override {
    return store_.ReadConfig(image_id);
  }
  absl::Status Pull(const std::string& name, const image::Credentials&) override {
    return absl::UnavailableError("no registry to pull " + name + " from");
  }

 private:
  storage::ImageStore& store_;
};

struct FakeDomain {
  explicit FakeDomain(const std::string& dir)
      : db(*state::Database::Open(":memory:")),
        pod_store(*sandbox::SandboxStore::Open(*db)),
        container_store(*container::ContainerStore::Open(*db)),
        images(*storage::ImageStore::Open(dir + "/storage", dir + "/run/storage")),
        layers(images->files()),
        image_source(*images),
        sandboxes({.run_root = dir + "/run",
                   .namespaces_dir = dir + "/ns",
                   .log_dir = dir + "/logs",
                   .runtime_handlers = {"runc"},
                   .host_resolv_conf = "/etc/resolv.conf",
                   .host_hosts = "/etc/hosts"},
                  *pod_store, network, isolation),
        runtimes(FakeHandlers(&runtime)),
        containers(
            {.root = dir + "/storage", .run_root = dir + "/run", .exits_dir = dir + "/exits"},
            *container_store, sandboxes, image_source, layers, runtimes),
        container_stats({}, layers),
        streaming(*stream::StreamServer::Start({}, no_streams)) {
    sandboxes.SetMembers(&containers);
  }

  std::unique_ptr<state::Database> db;
  std::unique_ptr<sandbox::SandboxStore> pod_store;
  std::unique_ptr<container::ContainerStore> container_store;
  std::unique_ptr<storage::ImageStore> images;
  storage::ContainerLayers layers;
  StoreImageSource image_source;
  FakeNetwork network;
  FakeIsolation isolation;
  sandbox::Sandboxes sandboxes;
  FakeOciRuntime* runtime = nullptr;  // owned by `runtimes`
  oci::RuntimeHandlers runtimes;
  container::Containers containers;
  stats::ContainerStatsCollector container_stats;
  NoStreams no_streams;
  std::unique_ptr<stream::StreamServer> streaming;  // on 127.0.0.1, a free port
};

}  // namespace crio::testing
