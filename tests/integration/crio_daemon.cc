#include "tests/integration/crio_daemon.h"

#include <signal.h>
#include <sys/mount.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "cri_api.h"
#include "grpcpp/grpcpp.h"
#include "testing/detach_mounts.h"

namespace crio::testing {

CrioDaemon::CrioDaemon(const std::string& extra_toml) {
  std::ostringstream toml;
  toml << "[crio]\n"
       << "root = \"" << dir_.Join("lib") << "\"\n"
       << "runroot = \"" << dir_.Join("run/storage") << "\"\n"
       << "log_dir = \"" << dir_.Join("pods") << "\"\n"
       << "version_file = \"" << dir_.Join("run/version") << "\"\n"
       << "clean_shutdown_file = \"" << dir_.Join("lib/clean.shutdown") << "\"\n"
       << "[crio.api]\n"
       << "listen = \"" << socket() << "\"\n"
       << "[crio.runtime]\n"
       << "container_exits_dir = \"" << dir_.Join("run/exits") << "\"\n"
       << "container_attach_socket_dir = \"" << dir_.Join("run") << "\"\n"
       << "namespaces_dir = \"" << dir_.Join("run/ns") << "\"\n"
       << "[crio.network]\n"
       << "network_dir = \"" << network_dir() << "\"\n";
  dir_.WriteFile("crio.conf", toml.str());
  if (!extra_toml.empty()) dir_.WriteFile("crio.conf.d/50-test.conf", extra_toml);
}

CrioDaemon::~CrioDaemon() {
  KillAndReap(pid_);
  // A test that failed half-way may leave crio's mounts (pinned namespaces, shm, rootfs)
  // behind, and a killed crio leaves the storage's home mounted.
  DetachMountsUnder(dir_.path());
}

std::vector<std::string> CrioDaemon::Command(const std::vector<std::string>& extra_args) const {
  std::vector<std::string> argv = {BinPath("crio"), "--config", config_file(), "--config-dir",
                                   config_dir()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return argv;
}

bool CrioDaemon::Start(const std::vector<std::string>& extra_args) {
  pid_ = Spawn(Command(extra_args), log_path());
  if (pid_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (WaitForExit(pid_, std::chrono::milliseconds(0)) != -1) return false;  // it died
    // A fresh channel each try: a channel that failed to connect backs off for seconds.
    auto stub = runtime::v1::RuntimeService::NewStub(
        grpc::CreateChannel("unix:" + socket(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    runtime::v1::VersionResponse response;
    if (stub->Version(&context, runtime::v1::VersionRequest(), &response).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int CrioDaemon::Stop() {
  if (pid_ < 0) return -1;
  kill(pid_, SIGTERM);
  const int code = WaitForExit(pid_, std::chrono::seconds(20));
  if (code == -1) KillAndReap(pid_);
  pid_ = -1;
  return code;
}

void CrioDaemon::Signal(int signal) const { kill(pid_, signal); }

std::string CrioDaemon::Log() const {
  std::ifstream in(log_path());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool CrioDaemon::WaitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace crio::testing
