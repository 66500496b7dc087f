// Container benchmark: CreateContainer+StartContainer and StopContainer+RemoveContainer
// latency through crio's gRPC API at concurrency 1 and 8, against `runc create` + `runc
// start` (and `runc kill` + `runc delete`) of an equivalent bundle in the same run; and
// crio's RSS idle after start-up, after a pull and a pod, and with 100 running containers;
// and ListContainerStats and ListPodSandboxMetrics (every group) latency over those 100
// (collected per call, or with a collection_period, answered from the latest periodic
// collection).
//
// Uses a busybox image built from Debian's busybox-static, served by a local
// docker-registry; the containers run `sleep` in one host-network pod. crio's runroot is
// a tmpfs, as /run is on a real node. Needs root.
//
//   build/bin/container_bench [containers] [collection_period]
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "cri_api.h"
#include "fmt/format.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "testing/busybox_image.h"
#include "testing/local_registry.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace {

namespace v1 = runtime::v1;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double Millis(Clock::duration elapsed) {
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(fraction * values.size()))];
}

std::string Report(const std::string& what, const std::vector<double>& values) {
  return fmt::format("  {:<14} p50 {:7.2f} ms   p99 {:7.2f} ms", what, Percentile(values, 0.5),
                     Percentile(values, 0.99));
}

// A /proc/PID/status field in kB: "VmRSS" (all resident pages), "RssAnon" (heap, stacks,
// written data: what crio itself allocated).
long StatusKb(pid_t pid, const std::string& field) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field + ":")) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

struct Memory {
  long rss_kb = 0;
  long anon_kb = 0;
};

Memory MemoryOf(pid_t pid) { return {StatusKb(pid, "VmRSS"), StatusKb(pid, "RssAnon")}; }

std::string Describe(const Memory& memory) {
  return fmt::format("{:.1f} MB RSS ({:.1f} MB anonymous)", memory.rss_kb / 1024.0,
                     memory.anon_kb / 1024.0);
}

struct Bench {
  std::string socket;
  std::string image;
  std::string pod;
  v1::PodSandboxConfig pod_config;

  std::unique_ptr<v1::RuntimeService::Stub> Stub() const {
    return v1::RuntimeService::NewStub(
        grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  }

  // Creates and starts one container; returns its ID (empty on failure).
  std::string Up(v1::RuntimeService::Stub& stub, const std::string& name) const {
    v1::CreateContainerRequest create;
    create.set_pod_sandbox_id(pod);
    create.mutable_config()->mutable_metadata()->set_name(name);
    create.mutable_config()->mutable_image()->set_image(image);
    for (const char* arg : {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"}) {
      create.mutable_config()->add_command(arg);
    }
    *create.mutable_sandbox_config() = pod_config;
    v1::CreateContainerResponse created;
    grpc::ClientContext create_context;
    if (!stub.CreateContainer(&create_context, create, &created).ok()) return "";
    v1::StartContainerRequest start;
    start.set_container_id(created.container_id());
    v1::StartContainerResponse started;
    grpc::ClientContext start_context;
    if (!stub.StartContainer(&start_context, start, &started).ok()) return "";
    return created.container_id();
  }

  bool Down(v1::RuntimeService::Stub& stub, const std::string& id) const {
    v1::StopContainerRequest stop;
    stop.set_container_id(id);
    stop.set_timeout(0);
    v1::StopContainerResponse stopped;
    grpc::ClientContext stop_context;
    if (!stub.StopContainer(&stop_context, stop, &stopped).ok()) return false;
    v1::RemoveContainerRequest remove;
    remove.set_container_id(id);
    v1::RemoveContainerResponse removed;
    grpc::ClientContext remove_context;
    return stub.RemoveContainer(&remove_context, remove, &removed).ok();
  }
};

// N containers up over `concurrency` connections, then all down; latencies per container.
void Lifecycle(const Bench& bench, int count, int concurrency, std::vector<double>& up,
               std::vector<double>& down) {
  std::mutex mu;
  std::vector<std::string> ids(count);
  auto phase = [&](auto work) {
    std::vector<std::thread> workers;
    for (int w = 0; w < concurrency; ++w) {
      workers.emplace_back([&, w] {
        auto stub = bench.Stub();
        for (int i = w; i < count; i += concurrency) work(*stub, i);
      });
    }
    for (auto& worker : workers) worker.join();
  };
  const std::string tag = fmt::format("c{}-", concurrency);
  phase([&](v1::RuntimeService::Stub& stub, int i) {
    const auto start = Clock::now();
    ids[i] = bench.Up(stub, tag + std::to_string(i));
    std::lock_guard lock(mu);
    up.push_back(Millis(Clock::now() - start));
    if (ids[i].empty()) std::cerr << "container " << i << " did not start\n";
  });
  phase([&](v1::RuntimeService::Stub& stub, int i) {
    const auto start = Clock::now();
    if (!ids[i].empty() && !bench.Down(stub, ids[i])) std::cerr << "stop/remove failed\n";
    std::lock_guard lock(mu);
    down.push_back(Millis(Clock::now() - start));
  });
}

// runc itself on a copy of a crio-made bundle (same rootfs, process and namespaces).
void DirectRunc(const std::string& bundle_template, const std::string& dir, int count,
                std::vector<double>& up, std::vector<double>& down) {
  json spec = json::parse(std::ifstream(bundle_template + "/config.json"));
  const std::string root = dir + "/runc-root";
  for (int i = 0; i < count; ++i) {
    const std::string id = fmt::format("direct-{}", i);
    const std::string bundle = dir + "/" + id;
    std::filesystem::create_directories(bundle);
    spec["linux"]["cgroupsPath"] = "/crio-bench/" + id;
    std::ofstream(bundle + "/config.json") << spec.dump();
    const auto start = Clock::now();
    const pid_t create = crio::testing::Spawn(
        {"runc", "--root", root, "create", "--bundle", bundle, id}, bundle + "/runc.log");
    crio::testing::WaitForExit(create, std::chrono::seconds(30));
    crio::testing::RunCommand({"runc", "--root", root, "start", id});
    up.push_back(Millis(Clock::now() - start));
    const auto stop = Clock::now();
    crio::testing::RunCommand({"runc", "--root", root, "kill", id, "KILL"});
    crio::testing::RunCommand({"runc", "--root", root, "delete", "--force", id});
    down.push_back(Millis(Clock::now() - stop));
  }
  for (const char* hierarchy : {"cpu", "memory", "pids", "blkio", "cpuset", "devices", "freezer",
                                "cpuacct", "systemd", "unified"}) {
    ::rmdir(fmt::format("/sys/fs/cgroup/{}/crio-bench", hierarchy).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 50;
  const int collection_period = argc > 2 ? std::atoi(argv[2]) : 0;
  if (geteuid() != 0) {
    std::cerr << "container_bench: run as root\n";
    return 1;
  }
  crio::testing::LocalRegistry registry;
  const std::string layer = crio::testing::BusyboxLayer();
  if (!registry.running() || layer.empty()) {
    std::cerr << "container_bench: needs docker-registry and busybox-static\n";
    return 1;
  }
  registry.Push("bench/busybox", "1", {layer});
  crio::testing::TempDir dir;
  std::filesystem::create_directories(dir.Join("run"));
  ::mount("tmpfs", dir.Join("run").c_str(), "tmpfs", 0, nullptr);
  dir.WriteFile("registries.conf",
                fmt::format("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", registry.host()));
  dir.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})");
  dir.WriteFile("crio.conf", fmt::format("[crio.runtime]\ncontainer_exits_dir = \"{}\"\n"
                                         "runtimes.runc.runtime_root = \"{}\"\n",
                                         dir.Join("run/exits"), dir.Join("run/runc")));
  ::setenv("CONTAINERS_REGISTRIES_CONF", dir.Join("registries.conf").c_str(), 1);
  const std::string bin = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  Bench bench{.socket = dir.Join("crio.sock"), .image = registry.host() + "/bench/busybox:1"};
  const pid_t crio = crio::testing::Spawn({bin + "/crio",
                                           "--config",
                                           dir.Join("crio.conf"),
                                           "--config-dir",
                                           dir.Join("none"),
                                           "--listen",
                                           bench.socket,
                                           "--root",
                                           dir.Join("root"),
                                           "--runroot",
                                           dir.Join("run/storage"),
                                           "--log-dir",
                                           dir.Join("logs"),
                                           "--namespaces-dir",
                                           dir.Join("run/ns"),
                                           "--cni-config-dir",
                                           dir.Join("net.d"),
                                           "--cgroup-manager",
                                           "cgroupfs",
                                           "--conmon-cgroup",
                                           "pod",
                                           "--signature-policy",
                                           dir.Join("policy.json"),
                                           "--collection-period",
                                           std::to_string(collection_period),
                                           "--included-pod-metrics",
                                           "all"},
                                          dir.Join("crio.log"));
  for (int i = 0; i < 200 && !std::filesystem::exists(bench.socket); ++i) usleep(25000);
  usleep(200000);  // start-up finishes just after the socket appears
  const Memory started = MemoryOf(crio);
  auto images = v1::ImageService::NewStub(
      grpc::CreateChannel("unix:" + bench.socket, grpc::InsecureChannelCredentials()));
  v1::PullImageRequest pull;
  pull.mutable_image()->set_image(bench.image);
  v1::PullImageResponse pulled;
  grpc::ClientContext pull_context;
  if (!images->PullImage(&pull_context, pull, &pulled).ok()) {
    std::cerr << "pull failed; see " << dir.Join("crio.log") << "\n";
  }
  bench.pod_config.mutable_metadata()->set_name("bench");
  bench.pod_config.mutable_metadata()->set_namespace_("bench");
  bench.pod_config.mutable_metadata()->set_uid("bench");
  auto* namespaces =
      bench.pod_config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_network(v1::NODE);
  namespaces->set_pid(v1::CONTAINER);
  auto stub = bench.Stub();
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = bench.pod_config;
  v1::RunPodSandboxResponse ran;
  grpc::ClientContext run_context;
  stub->RunPodSandbox(&run_context, run, &ran);
  bench.pod = ran.pod_sandbox_id();
  const Memory after_pull = MemoryOf(crio);

  for (const int concurrency : {1, 8}) {
    std::vector<double> up, down;
    Lifecycle(bench, count, concurrency, up, down);
    std::cout << fmt::format("{} containers through crio, concurrency {}:\n", count, concurrency)
              << Report("create+start", up) << "\n"
              << Report("stop+remove", down) << "\n";
  }
  // 100 running containers for the RSS figure, and a bundle to hand to runc directly.
  std::vector<std::string> running;
  for (int i = 0; i < 100; ++i) running.push_back(bench.Up(*stub, fmt::format("idle-{}", i)));
  const Memory busy = MemoryOf(crio);
  // What the kubelet polls: stats of every container, 100 of them running.
  if (collection_period > 0) {  // until a collection has seen all of them
    std::this_thread::sleep_for(std::chrono::milliseconds(collection_period * 1000 + 500));
  }
  // The latency of 20 calls of `rpc`, each with a fresh context and response.
  const auto time_calls = [](auto rpc) {
    std::vector<double> calls;
    for (int i = 0; i < 20; ++i) {
      grpc::ClientContext context;
      const auto start = Clock::now();
      rpc(context);
      calls.push_back(Millis(Clock::now() - start));
    }
    return calls;
  };
  const std::vector<double> stats_calls = time_calls([&](grpc::ClientContext& context) {
    v1::ListContainerStatsResponse stats;
    stub->ListContainerStats(&context, v1::ListContainerStatsRequest(), &stats);
    if (stats.stats_size() < 100) std::cerr << "ListContainerStats: " << stats.stats_size() << "\n";
  });
  const std::vector<double> metrics_calls = time_calls([&](grpc::ClientContext& context) {
    v1::ListPodSandboxMetricsResponse metrics;
    stub->ListPodSandboxMetrics(&context, v1::ListPodSandboxMetricsRequest(), &metrics);
  });
  std::cout << "ListContainerStats, 100 running containers ("
            << (collection_period > 0 ? fmt::format("collection_period {}s", collection_period)
                                      : std::string("collected per call"))
            << "):\n"
            << Report("list stats", stats_calls) << "\n"
            << Report("pod metrics", metrics_calls) << " (included_pod_metrics = all)\n";
  const std::string bundle =
      fmt::format("{}/overlay-containers/{}/userdata", dir.Join("run/storage"), running.front());
  std::vector<double> runc_up, runc_down;
  DirectRunc(bundle, dir.Join("run/direct"), count, runc_up, runc_down);
  std::cout << "runc directly, same bundle:\n"
            << Report("create+start", runc_up) << "\n"
            << Report("kill+delete", runc_down) << "\n";
  for (const std::string& id : running) bench.Down(*stub, id);
  v1::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(bench.pod);
  v1::RemovePodSandboxResponse removed;
  grpc::ClientContext remove_context;
  stub->RemovePodSandbox(&remove_context, remove, &removed);
  crio::testing::KillAndReap(crio);
  ::umount2(dir.Join("run").c_str(), MNT_DETACH);
  std::cout << "crio memory: " << Describe(started) << " idle after start-up, "
            << Describe(after_pull) << " after a pull and a pod, " << Describe(busy)
            << " with 100 running containers\n";
  return 0;
}
