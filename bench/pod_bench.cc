// Pod benchmark: RunPodSandbox / StopPodSandbox / RemovePodSandbox latency through crio's
// gRPC API, against the cost of the CNI plugins alone, in one run.
//
// Starts crio with a bridge + host-local + portmap network of its own (bridge crbench,
// 10.202.0.0/16) and its runroot on a tmpfs as on a real node, then for concurrency 1 and 8 runs N
// pods, stops them and removes them, timing each call; the same for host-network pods; and finally
// invokes the same CNI chain directly (ADD then DEL on a freshly pinned network namespace, through
// crio's CNI library) N times, with the network namespace's creation and release. Prints p50/p99
// per operation and crio's own overhead per pod lifecycle: (run + stop + remove) p50 minus (netns +
// CNI ADD + DEL) p50. Needs root.
//
//   build/bin/pod_bench [pods]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "cri_api.h"
#include "fmt/format.h"
#include "grpcpp/grpcpp.h"
#include "network/cni.h"
#include "sys/namespaces.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace {

namespace v1 = runtime::v1;
using Clock = std::chrono::steady_clock;

double Millis(Clock::duration elapsed) {
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

struct Latencies {
  std::mutex mu;
  std::vector<double> run, stop, remove;
};

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(fraction * values.size()))];
}

std::string Report(const char* what, const std::vector<double>& values) {
  return fmt::format("  {:<8} p50 {:7.2f} ms   p99 {:7.2f} ms", what, Percentile(values, 0.5),
                     Percentile(values, 0.99));
}

v1::PodSandboxConfig PodConfig(const std::string& name, bool host_network) {
  v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_namespace_("bench");
  config.mutable_metadata()->set_uid(name);
  config.set_hostname(name);
  auto* namespaces =
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_pid(v1::CONTAINER);
  if (host_network) namespaces->set_network(v1::NODE);
  return config;
}

// `pods` pods over `concurrency` connections: all run, then all stop, then all removed.
bool Lifecycle(const std::string& socket, int pods, int concurrency, bool host_network,
               Latencies& out) {
  std::vector<std::string> ids(pods);
  bool ok = true;
  auto phase = [&](auto call) {
    std::vector<std::thread> workers;
    for (int w = 0; w < concurrency; ++w) {
      workers.emplace_back([&, w] {
        auto stub = v1::RuntimeService::NewStub(
            grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
        for (int i = w; i < pods; i += concurrency) call(*stub, i);
      });
    }
    for (auto& worker : workers) worker.join();
  };
  const std::string tag = fmt::format("{}-{}-{}", host_network ? "host" : "pod", concurrency,
                                      Clock::now().time_since_epoch().count());
  phase([&](v1::RuntimeService::Stub& stub, int i) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = PodConfig(fmt::format("{}-{}", tag, i), host_network);
    v1::RunPodSandboxResponse response;
    grpc::ClientContext context;
    const auto start = Clock::now();
    const grpc::Status status = stub.RunPodSandbox(&context, request, &response);
    const double elapsed = Millis(Clock::now() - start);
    std::lock_guard lock(out.mu);
    if (!status.ok()) {
      std::cerr << "RunPodSandbox: " << status.error_message() << "\n";
      ok = false;
    }
    ids[i] = response.pod_sandbox_id();
    out.run.push_back(elapsed);
  });
  phase([&](v1::RuntimeService::Stub& stub, int i) {
    v1::StopPodSandboxRequest request;
    request.set_pod_sandbox_id(ids[i]);
    v1::StopPodSandboxResponse response;
    grpc::ClientContext context;
    const auto start = Clock::now();
    const grpc::Status status = stub.StopPodSandbox(&context, request, &response);
    std::lock_guard lock(out.mu);
    out.stop.push_back(Millis(Clock::now() - start));
    ok = ok && status.ok();
  });
  phase([&](v1::RuntimeService::Stub& stub, int i) {
    v1::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(ids[i]);
    v1::RemovePodSandboxResponse response;
    grpc::ClientContext context;
    const auto start = Clock::now();
    const grpc::Status status = stub.RemovePodSandbox(&context, request, &response);
    std::lock_guard lock(out.mu);
    out.remove.push_back(Millis(Clock::now() - start));
    ok = ok && status.ok();
  });
  return ok;
}

// What any runtime must pay for a pod network, in the same phases as Lifecycle (all up,
// then all down): a network namespace made and pinned plus the CNI chain's ADD; then DEL
// plus the namespace released.
struct DirectCosts {
  std::vector<double> up, down;
};

DirectCosts DirectCni(const std::string& network_dir, const std::string& ns_dir, int pods) {
  crio::network::CniPodNetwork network({.network_dir = network_dir,
                                        .plugin_dirs = {"/usr/lib/cni", "/opt/cni/bin"},
                                        .default_network = "",
                                        .cache_dir = ns_dir + "/cache"});
  DirectCosts costs;
  std::vector<crio::network::Attachment> attached;
  for (int i = 0; i < pods; ++i) {
    const std::string name = fmt::format("direct{}", i);
    const auto start = Clock::now();
    auto pinned = crio::sys::PinNamespaces(
        {.dir = ns_dir, .name = name, .net = true, .ipc = false, .uts = false});
    if (!pinned.ok()) break;
    crio::network::Attachment attachment{.pod_id = name,
                                         .netns = pinned->net,
                                         .pod_name = name,
                                         .pod_namespace = "bench",
                                         .pod_uid = name};
    if (!network.Attach(attachment).ok()) std::cerr << "direct CNI ADD failed\n";
    costs.up.push_back(Millis(Clock::now() - start));
    attached.push_back(std::move(attachment));
  }
  for (const crio::network::Attachment& attachment : attached) {
    const auto start = Clock::now();
    if (!network.Detach(attachment).ok()) std::cerr << "direct CNI DEL failed\n";
    (void)crio::sys::UnpinNamespace(attachment.netns);
    costs.down.push_back(Millis(Clock::now() - start));
  }
  return costs;
}

}  // namespace

int main(int argc, char** argv) {
  const int pods = argc > 1 ? std::atoi(argv[1]) : 100;
  if (geteuid() != 0) {
    std::cerr << "pod_bench: run as root (it starts crio and makes namespaces)\n";
    return 1;
  }
  crio::testing::TempDir dir;
  // runroot and the namespace pins live on a tmpfs, as /run is on a real node (it is not
  // on this machine); root and the log dir stay on disk.
  std::filesystem::create_directories(dir.Join("run"));
  crio::testing::RunCommand({"mount", "-t", "tmpfs", "tmpfs", dir.Join("run")});
  const std::string bin = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  dir.WriteFile("net.d/10-bench.conflist",
                fmt::format(R"({{"cniVersion":"1.0.0","name":"crio-bench","plugins":[)"
                            R"({{"type":"bridge","bridge":"crbench","isGateway":true,)"
                            R"("ipMasq":false,"hairpinMode":true,"ipam":{{"type":"host-local",)"
                            R"("dataDir":"{}","ranges":[[{{"subnet":"10.202.0.0/16"}}]]}}}},)"
                            R"({{"type":"portmap","capabilities":{{"portMappings":true}}}}]}})",
                            dir.Join("ipam")));
  const std::string socket = dir.Join("crio.sock");
  const pid_t crio =
      crio::testing::Spawn({bin + "/crio", "--config-dir", dir.Join("none"), "--listen", socket,
                            "--root", dir.Join("root"), "--runroot", dir.Join("run/storage"),
                            "--log-dir", dir.Join("logs"), "--namespaces-dir", dir.Join("run/ns"),
                            "--cni-config-dir", dir.Join("net.d"), "--cgroup-manager", "cgroupfs",
                            "--conmon-cgroup", "pod"},
                           dir.Join("crio.log"));
  for (int i = 0; i < 200 && !std::filesystem::exists(socket); ++i) usleep(25000);

  std::vector<double> lifecycle_p50;  // per network kind, concurrency 1
  for (const bool host_network : {false, true}) {
    for (const int concurrency : {1, 8}) {
      Latencies latencies;
      if (!Lifecycle(socket, pods, concurrency, host_network, latencies)) {
        std::cerr << "pod_bench: calls failed; see " << dir.Join("crio.log") << "\n";
      }
      std::cout << fmt::format("{} pods, {} network, concurrency {}:\n", pods,
                               host_network ? "host" : "CNI", concurrency)
                << Report("run", latencies.run) << "\n"
                << Report("stop", latencies.stop) << "\n"
                << Report("remove", latencies.remove) << "\n";
      if (concurrency == 1) {
        lifecycle_p50.push_back(Percentile(latencies.run, 0.5) + Percentile(latencies.stop, 0.5) +
                                Percentile(latencies.remove, 0.5));
      }
    }
  }
  crio::testing::KillAndReap(crio);
  const DirectCosts cni = DirectCni(dir.Join("net.d"), dir.Join("run/direct"), pods);
  crio::testing::RunCommand({"umount", "-l", dir.Join("run")});
  crio::testing::RunCommand({"ip", "link", "del", "crbench"});
  std::cout << "netns + CNI chain invoked directly:\n"
            << Report("up", cni.up) << "   (netns + ADD)\n"
            << Report("down", cni.down) << "   (DEL + netns)\n";
  std::cout << fmt::format(
      "crio's own cost per pod lifecycle at concurrency 1 (p50 run+stop+remove minus p50 "
      "netns+CNI): {:.2f} ms; host-network pod lifecycle: {:.2f} ms\n",
      lifecycle_p50[0] - Percentile(cni.up, 0.5) - Percentile(cni.down, 0.5), lifecycle_p50[1]);
  return 0;
}
