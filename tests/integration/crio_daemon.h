// CrioDaemon: a real `crio` process for integration tests, on a private socket with its
// root, runroot, logs and CNI config dir under a temp dir. Stop() sends SIGTERM and waits;
// the destructor kills and reaps whatever is left, so a failing test leaks nothing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace crio::testing {

// Where CMake put the binaries under test.
inline std::string BinPath(const std::string& name) {
  return std::string(CRIO_BIN_DIR) + "/" + name;
}

class CrioDaemon {
 public:
  // Writes crio.conf into a fresh temp dir, and `extra_toml` as crio.conf.d/50-test.conf.
  explicit CrioDaemon(const std::string& extra_toml = "");
  CrioDaemon(const CrioDaemon&) = delete;
  CrioDaemon& operator=(const CrioDaemon&) = delete;
  ~CrioDaemon();

  // Starts crio with `extra_args`; true once it answers Version on its socket.
  bool Start(const std::vector<std::string>& extra_args = {});
  // SIGTERM, then waits; returns crio's exit code (-1 if it had to be killed).
  int Stop();
  void Signal(int signal) const;
  pid_t pid() const { return pid_; }

  // The argv that runs crio against this daemon's config (for extra instances).
  std::vector<std::string> Command(const std::vector<std::string>& extra_args = {}) const;
  std::string Log() const;
  // Waits until the log contains `text`.
  bool WaitForLog(const std::string& text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  const TempDir& dir() const { return dir_; }
  std::string socket() const { return dir_.Join("run/crio.sock"); }
  std::string endpoint() const { return "unix://" + socket(); }
  std::string config_file() const { return dir_.Join("crio.conf"); }
  std::string config_dir() const { return dir_.Join("crio.conf.d"); }
  std::string extra_file() const { return dir_.Join("crio.conf.d/50-test.conf"); }
  std::string network_dir() const { return dir_.Join("net.d"); }
  std::string log_path() const { return dir_.Join("crio.log"); }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
};

}  // namespace crio::testing
