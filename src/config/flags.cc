#include "config/flags.h"

#include <cctype>
#include <map>

#include "CLI/CLI.hpp"
#include "fmt/format.h"

namespace crio::config {
namespace {

// Flags CRI-O renamed along with their keys: the old name still works.
struct RenamedFlag {
  std::string_view flag, old_flag;
};
constexpr RenamedFlag kRenamedFlags[] = {{"collection-period", "stats-collection-period"}};

std::string FlagNames(const Option& option) {
  std::string names = "--" + std::string(option.flag);
  if (!option.short_flag.empty()) names += ",-" + std::string(option.short_flag);
  for (const RenamedFlag& renamed : kRenamedFlags) {
    if (renamed.flag == option.flag) names += ",--" + std::string(renamed.old_flag);
  }
  return names;
}

std::string Description(const Option& option) {
  return fmt::format("{} ([{}] {})", option.doc, option.table, option.key);
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Checks one --runtimes field with the handler option of the same key.
absl::Status SetHandlerField(std::string_view key, const std::string& text,
                             RuntimeHandler& handler) {
  for (const HandlerOption& option : HandlerOptions()) {
    if (option.key != key) continue;
    auto value = FromFlagText(option.kind, {text});
    absl::Status status = value.ok() ? Check(option, *value) : value.status();
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("flag --runtimes: {} \"{}\": {}", key, text, std::string(status.message())));
    }
    Set(option, *value, handler);
  }
  return absl::OkStatus();
}

// CRI-O's help for its profiling flags, said of what crio serves instead of Go's pprof.
void RegisterProfileFlags(CLI::App& app, ProfileFlags& flags) {
  const auto env = [](std::string_view flag) { return FlagEnvironmentVariable(flag); };
  app.add_flag("--profile", flags.profile,
               "Serve thread stacks, heap statistics and CPU profiles (text, at /debug/pprof/) "
               "on 127.0.0.1:--profile-port (no crio.conf key)")
      ->envname(env("profile"));
  app.add_option("--profile-port", flags.port, "Port for --profile (no crio.conf key)")
      ->type_name("PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str()
      ->envname(env("profile-port"));
  app.add_option("--profile-cpu", flags.cpu,
                 "Sample crio's CPU use from start-up and write it to PATH as folded stacks at "
                 "exit (no crio.conf key)")
      ->type_name("PATH")
      ->envname(env("profile-cpu"));
  app.add_option("--profile-mem", flags.mem,
                 "Write crio's heap statistics to PATH at exit (no crio.conf key)")
      ->type_name("PATH")
      ->envname(env("profile-mem"));
  app.add_flag("--enable-profile-unix-socket", flags.unix_socket,
               "Serve --profile's /debug/pprof/ paths on the CRI socket's status API too "
               "(no crio.conf key)")
      ->envname(env("enable-profile-unix-socket"));
}

}  // namespace

std::string FlagEnvironmentVariable(std::string_view flag) {
  // CRI-O's names where they do not follow the rule, and its flags that have none.
  static const std::map<std::string_view, std::string_view> kExceptions = {
      {"container-attach-socket-dir", "CONTAINER_ATTACH_SOCKET_DIR"},
      {"container-exits-dir", "CONTAINER_EXITS_DIR"},
      {"ctr-stop-timeout", "CONTAINER_STOP_TIMEOUT"},
      {"stream-enable-tls", "CONTAINER_ENABLE_TLS"},
      {"stream-tls-ca", "CONTAINER_TLS_CA"},
      {"stream-tls-cert", "CONTAINER_TLS_CERT"},
      {"stream-tls-key", "CONTAINER_TLS_KEY"},
      {"stream-idle-timeout", "STREAM_IDLE_TIMEOUT"},
      {"enable-pod-events", "ENABLE_POD_EVENTS"},
      {"separate-pull-cgroup", "PULL_IN_A_CGROUP"},
      {"enable-profile-unix-socket", "ENABLE_PROFILE_UNIX_SOCKET"},
      {"decryption-keys-path", ""},
      {"blockio-config-file", ""},
      {"irqbalance-config-file", ""},
      {"rdt-config-file", ""},
      {"device-ownership-from-security-context", ""},
      {"enable-nri", ""},
      {"nri-listen", ""},
      {"nri-plugin-dir", ""},
      {"nri-plugin-config-dir", ""},
      {"nri-disable-connections", ""},
      {"nri-plugin-registration-timeout", ""},
      {"nri-plugin-request-timeout", ""},
  };
  if (auto it = kExceptions.find(flag); it != kExceptions.end()) return std::string(it->second);
  std::string name = "CONTAINER_";
  for (const char c : flag) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

void FlagSet::Register(CLI::App& app) {
  const std::string config_help = "Configuration file (default /etc/crio/crio.conf)";
  const std::string config_dir_help = "Drop-in directory (default /etc/crio/crio.conf.d)";
  const std::string runtimes_help =
      "Runtime handler as name:path:root:type:privileged_without_host_devices:"
      "runtime_config_path:container_min_memory (repeatable)";
  config_file_ = app.add_option("--config,-c", config_help)
                     ->type_name("FILE")
                     ->envname(FlagEnvironmentVariable("config"));
  config_dir_ = app.add_option("--config-dir,-d", config_dir_help)
                    ->type_name("DIR")
                    ->envname(FlagEnvironmentVariable("config-dir"));
  runtimes_ = app.add_option("--runtimes", runtimes_help)
                  ->type_name("HANDLER")
                  ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
                  ->envname(FlagEnvironmentVariable("runtimes"));
  log_file_ = app.add_option("--log", "Set the log file path where internal debug information "
                                      "is written (instead of stderr)")
                  ->type_name("FILE")
                  ->envname(FlagEnvironmentVariable("log"));
  RegisterProfileFlags(app, profile_);
  for (const Option& option : Options()) {
    if (option.flag.empty()) continue;
    CLI::Option* cli = nullptr;
    const std::string names = FlagNames(option);
    const std::string description = Description(option);
    if (option.kind == Kind::kBool) {
      cli = app.add_flag(names, description);
    } else {
      cli = app.add_option(names, description)->type_name("VALUE");
      const bool many = option.kind == Kind::kStringList || option.kind == Kind::kPathList ||
                        option.kind == Kind::kStringMap;
      cli->multi_option_policy(many ? CLI::MultiOptionPolicy::TakeAll
                                    : CLI::MultiOptionPolicy::TakeLast);
    }
    if (const std::string env = FlagEnvironmentVariable(option.flag); !env.empty()) {
      cli->envname(env);
    }
    registered_.push_back({&option, cli});
  }
}

Sources FlagSet::sources() const {
  Sources sources;
  if (config_file_ != nullptr && config_file_->count() > 0) {
    sources.config_file = config_file_->results().back();
    sources.config_file_required = true;
  }
  if (config_dir_ != nullptr && config_dir_->count() > 0) {
    sources.config_dir = config_dir_->results().back();
  }
  return sources;
}

std::string FlagSet::log_file() const {
  return log_file_ != nullptr && log_file_->count() > 0 ? log_file_->results().back() : "";
}

absl::Status FlagSet::ApplyTo(Config& config) const {
  for (const Registered& flag : registered_) {
    if (flag.cli->count() == 0) continue;
    const Option& option = *flag.option;
    const std::vector<std::string>& texts = flag.cli->results();
    auto value = FromFlagText(option.kind, texts);
    absl::Status status = value.ok() ? Check(option, *value) : value.status();
    if (!status.ok()) {
      // Worded as CRI-O's command line words it (scripts and CRI-O's tests look for it).
      return absl::InvalidArgumentError(fmt::format("invalid value \"{}\" for flag --{}: {}",
                                                    texts.empty() ? "" : texts.back(),
                                                    option.flag, std::string(status.message())));
    }
    Set(option, *value, config);
  }
  if (runtimes_ != nullptr) {
    for (const std::string& text : runtimes_->results()) {
      if (auto applied = ApplyRuntimesFlag(text, config); !applied.ok()) return applied;
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyRuntimesFlag(const std::string& text, Config& config) {
  const std::vector<std::string> fields = Split(text, ':');
  if (fields.empty() || fields[0].empty() || fields.size() > 7) {
    return absl::InvalidArgumentError(fmt::format(
        "flag --runtimes \"{}\": expected name:path:root:type:privileged_without_host_devices:"
        "runtime_config_path:container_min_memory",
        text));
  }
  RuntimeHandler& handler = config.runtime.runtimes[fields[0]];
  constexpr std::string_view kKeys[] = {"",
                                        "runtime_path",
                                        "runtime_root",
                                        "runtime_type",
                                        "privileged_without_host_devices",
                                        "runtime_config_path",
                                        "container_min_memory"};
  for (size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].empty()) continue;
    if (auto set = SetHandlerField(kKeys[i], fields[i], handler); !set.ok()) return set;
  }
  return absl::OkStatus();
}

}  // namespace crio::config
