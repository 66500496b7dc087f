// FlagSet: crio's command-line flags, one per crio.conf key with CRI-O's flag names, plus
// --config/-c, --config-dir/-d, --runtimes and --log, and CRI-O's profiling flags (which
// have no key: ProfileFlags); each also from its CONTAINER_* environment variable, as
// CRI-O takes them (a flag on the command line wins over the variable, and both over the
// files).
//
// Register() adds them to a CLI11 app; after the app parsed argv, sources() says which
// files to read and ApplyTo() applies the flags that were given, checked exactly like the
// same value in a file (messages name the flag). Not thread-safe; used by main only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "config/config.h"
#include "config/load.h"
#include "config/option.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace crio::config {

// CRI-O's profiling flags. They are no crio.conf keys (CRI-O has none for them) and apply
// to the daemon only; crio.8 says what crio serves and writes for each.
struct ProfileFlags {
  bool profile = false;      // --profile: diagnostics on 127.0.0.1:port
  int port = 6060;           // --profile-port
  std::string cpu;           // --profile-cpu PATH: CPU samples, written at exit
  std::string mem;           // --profile-mem PATH: heap statistics, written at exit
  bool unix_socket = false;  // --enable-profile-unix-socket: on the status API too
};

// Their names, for the documentation check.
inline constexpr std::string_view kProfileFlagNames[] = {
    "profile", "profile-port", "profile-cpu", "profile-mem", "enable-profile-unix-socket"};

class FlagSet {
 public:
  void Register(CLI::App& app);
  Sources sources() const;
  // --log: the file crio's own log lines go to instead of stderr; empty when not given.
  std::string log_file() const;
  absl::Status ApplyTo(Config& config) const;
  // REQUIRES: the app parsed argv.
  const ProfileFlags& profile() const { return profile_; }

 private:
  struct Registered {
    const Option* option;
    CLI::Option* cli;
  };

  std::vector<Registered> registered_;
  CLI::Option* config_file_ = nullptr;
  CLI::Option* config_dir_ = nullptr;
  CLI::Option* runtimes_ = nullptr;
  CLI::Option* log_file_ = nullptr;
  ProfileFlags profile_;
};

// The environment variable that gives flag `flag` ("log-level") when the command line does
// not, as CRI-O names it: CONTAINER_LOG_LEVEL, or CRI-O's own exception (stream-tls-ca:
// CONTAINER_TLS_CA, …); empty for the flags CRI-O takes from no variable.
std::string FlagEnvironmentVariable(std::string_view flag);

// Parses one --runtimes value, CRI-O's
// "name:path:root:type:privileged_without_host_devices:runtime_config_path:container_min_memory"
// (trailing fields optional), into `config`.
absl::Status ApplyRuntimesFlag(const std::string& text, Config& config);

}  // namespace crio::config
