// Start-up benchmark: how long crio takes from exec to answering Version with an empty state,
// and with N pods and 2N running containers in its state (restore and start-up
// reconciliation: reading the rows, asking the runtime about every container, sweeping
// leftovers), after a clean stop (SIGTERM) and after SIGKILL. The target: at most
// 1 s with 110 pods and 220 containers.
//
// Uses a busybox image built from Debian's busybox-static, served by a local
// docker-registry; the pods use the host network (a restart calls no CNI plugin), each runs
// two `sleep` containers. crio's runroot is a tmpfs, as /run is on a real node. Needs root.
//
//   build/bin/startup_bench [pods] [rounds]
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "bench/bench_daemon.h"
#include "cri_api.h"
#include "fmt/format.h"
#include "grpcpp/grpcpp.h"
#include "testing/busybox_image.h"
#include "testing/local_registry.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace {

namespace v1 = runtime::v1;
using crio::bench::Daemon;
using crio::bench::Median;

std::vector<double> Restarts(Daemon& daemon, int rounds, int signal) {
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    daemon.Stop(signal);
    times.push_back(daemon.Start());
  }
  return times;
}

// N host-network pods with two running containers each.
bool Fill(Daemon& daemon, const std::string& image, int pods) {
  auto stub = daemon.Stub();
  for (int p = 0; p < pods; ++p) {
    v1::PodSandboxConfig pod;
    pod.mutable_metadata()->set_name(fmt::format("pod-{}", p));
    pod.mutable_metadata()->set_namespace_("bench");
    pod.mutable_metadata()->set_uid(fmt::format("uid-{}", p));
    auto* namespaces = pod.mutable_linux()->mutable_security_context()->mutable_namespace_options();
    namespaces->set_network(v1::NODE);
    namespaces->set_pid(v1::CONTAINER);
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = pod;
    v1::RunPodSandboxResponse ran;
    grpc::ClientContext run_context;
    if (!stub->RunPodSandbox(&run_context, run, &ran).ok()) return false;
    for (int c = 0; c < 2; ++c) {
      v1::CreateContainerRequest create;
      create.set_pod_sandbox_id(ran.pod_sandbox_id());
      create.mutable_config()->mutable_metadata()->set_name(fmt::format("c{}", c));
      create.mutable_config()->mutable_image()->set_image(image);
      for (const char* arg : {"sleep", "3600"}) create.mutable_config()->add_command(arg);
      *create.mutable_sandbox_config() = pod;
      v1::CreateContainerResponse created;
      grpc::ClientContext create_context;
      if (!stub->CreateContainer(&create_context, create, &created).ok()) return false;
      v1::StartContainerRequest start;
      start.set_container_id(created.container_id());
      v1::StartContainerResponse started;
      grpc::ClientContext start_context;
      if (!stub->StartContainer(&start_context, start, &started).ok()) return false;
    }
  }
  return true;
}

// Every container killed at once (`sleep` as PID 1 ignores SIGTERM), then every pod removed.
void RemoveAll(Daemon& daemon) {
  auto stub = daemon.Stub();
  v1::ListContainersResponse containers;
  grpc::ClientContext containers_context;
  stub->ListContainers(&containers_context, v1::ListContainersRequest(), &containers);
  for (const v1::Container& container : containers.containers()) {
    v1::StopContainerRequest stop;
    stop.set_container_id(container.id());
    stop.set_timeout(0);
    v1::StopContainerResponse stopped;
    grpc::ClientContext context;
    stub->StopContainer(&context, stop, &stopped);
  }
  v1::ListPodSandboxResponse pods;
  grpc::ClientContext list_context;
  stub->ListPodSandbox(&list_context, v1::ListPodSandboxRequest(), &pods);
  for (const v1::PodSandbox& pod : pods.items()) {
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(pod.id());
    v1::RemovePodSandboxResponse removed;
    grpc::ClientContext context;
    stub->RemovePodSandbox(&context, remove, &removed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int pods = argc > 1 ? std::atoi(argv[1]) : 110;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (geteuid() != 0) {
    std::cerr << "startup_bench: run as root\n";
    return 1;
  }
  crio::testing::LocalRegistry registry;
  const std::string layer = crio::testing::BusyboxLayer();
  if (!registry.running() || layer.empty()) {
    std::cerr << "startup_bench: needs docker-registry and busybox-static\n";
    return 1;
  }
  registry.Push("bench/busybox", "1", {layer});
  const std::string image = registry.host() + "/bench/busybox:1";
  crio::testing::TempDir dir;
  std::filesystem::create_directories(dir.Join("run"));
  ::mount("tmpfs", dir.Join("run").c_str(), "tmpfs", 0, nullptr);
  dir.WriteFile("registries.conf",
                fmt::format("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", registry.host()));
  crio::bench::WriteDaemonFiles(dir);
  ::setenv("CONTAINERS_REGISTRIES_CONF", dir.Join("registries.conf").c_str(), 1);
  const std::string bin = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  Daemon daemon(dir, bin);
  if (daemon.Start() < 0) {
    std::cerr << "crio did not start; see " << dir.Join("crio.log") << "\n";
    return 1;
  }
  const double empty = Median(Restarts(daemon, rounds, SIGTERM));
  auto images = v1::ImageService::NewStub(
      grpc::CreateChannel("unix:" + daemon.socket(), grpc::InsecureChannelCredentials()));
  v1::PullImageRequest pull;
  pull.mutable_image()->set_image(image);
  v1::PullImageResponse pulled;
  grpc::ClientContext pull_context;
  if (!images->PullImage(&pull_context, pull, &pulled).ok() || !Fill(daemon, image, pods)) {
    std::cerr << "setting up the pods failed; see " << dir.Join("crio.log") << "\n";
    RemoveAll(daemon);
    return 1;
  }
  const double clean = Median(Restarts(daemon, rounds, SIGTERM));
  const double killed = Median(Restarts(daemon, rounds, SIGKILL));
  RemoveAll(daemon);
  daemon.Stop(SIGTERM);
  ::umount2(dir.Join("run").c_str(), MNT_DETACH);
  std::cout << fmt::format(
      "crio start-up until it serves (median of {} rounds):\n"
      "  empty state                          {:8.1f} ms\n"
      "  {} pods, {} containers, after SIGTERM {:8.1f} ms ({:.2f}x empty)\n"
      "  {} pods, {} containers, after SIGKILL {:8.1f} ms ({:.2f}x empty)\n",
      rounds, empty, pods, 2 * pods, clean, clean / empty, pods, 2 * pods, killed, killed / empty);
  return 0;
}
