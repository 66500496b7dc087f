// What the benchmarks that run crio share: a crio daemon of their own in a temp dir (its
// config, root, runroot and socket there; started and stopped by the benchmark), and the
// arithmetic of their reports.
#pragma once

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cri_api.h"
#include "fmt/format.h"
#include "grpcpp/grpcpp.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace crio::bench {

using Clock = std::chrono::steady_clock;

inline double Millis(Clock::duration elapsed) {
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

inline double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The files a Daemon reads, in `dir`: a policy that accepts any image, and a crio.conf that
// keeps the runtime's state under DIR/run.
inline void WriteDaemonFiles(const testing::TempDir& dir) {
  dir.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})");
  dir.WriteFile("crio.conf",
                fmt::format("[crio.runtime]\ncontainer_exits_dir = \"{}\"\n"
                            "container_attach_socket_dir = \"{}\"\n"
                            "runtimes.runc.runtime_root = \"{}\"\n",
                            dir.Join("run/exits"), dir.Join("run"), dir.Join("run/runc")));
}

// crio with DIR/crio.conf, DIR/policy.json, its root in DIR/root, its runroot in
// DIR/run/storage and its version and clean-shutdown files in DIR (none on the host's paths); `bin`
// holds the crio binary. The destructor kills and reaps it.
class Daemon {
 public:
  Daemon(const testing::TempDir& dir, std::string bin) : dir_(dir), bin_(std::move(bin)) {}
  ~Daemon() { testing::KillAndReap(pid_); }

  std::string socket() const { return dir_.Join("crio.sock"); }

  // Starts crio; the time until it answers Version, or -1.
  double Start() {
    const auto start = Clock::now();
    pid_ = testing::Spawn({bin_ + "/crio",
                           "--config",
                           dir_.Join("crio.conf"),
                           "--config-dir",
                           dir_.Join("none"),
                           "--listen",
                           socket(),
                           "--root",
                           dir_.Join("root"),
                           "--runroot",
                           dir_.Join("run/storage"),
                           "--log-dir",
                           dir_.Join("logs"),
                           "--namespaces-dir",
                           dir_.Join("run/ns"),
                           "--cni-config-dir",
                           dir_.Join("net.d"),
                           "--cgroup-manager",
                           "cgroupfs",
                           "--conmon-cgroup",
                           "pod",
                           "--signature-policy",
                           dir_.Join("policy.json"),
                           "--version-file",
                           dir_.Join("run/version"),
                           "--clean-shutdown-file",
                           dir_.Join("clean.shutdown")},
                          dir_.Join("crio.log"));
    while (Clock::now() - start < std::chrono::seconds(60)) {
      auto stub = runtime::v1::RuntimeService::NewStub(
          grpc::CreateChannel("unix:" + socket(), grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
      runtime::v1::VersionResponse version;
      if (stub->Version(&context, runtime::v1::VersionRequest(), &version).ok()) {
        return Millis(Clock::now() - start);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

  void Stop(int signal) {
    ::kill(pid_, signal);
    testing::WaitForExit(pid_, std::chrono::seconds(30));
    pid_ = -1;
  }

  std::unique_ptr<runtime::v1::RuntimeService::Stub> Stub() const {
    return runtime::v1::RuntimeService::NewStub(
        grpc::CreateChannel("unix:" + socket(), grpc::InsecureChannelCredentials()));
  }

 private:
  const testing::TempDir& dir_;
  const std::string bin_;
  pid_t pid_ = -1;
};

}  // namespace crio::bench
