// crio: the Kubernetes CRI daemon. Without a subcommand it serves; `check`, `config`,
// `version`, `status` and `wipe` are the operator's subcommands, as CRI-O has them.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "cmd/crio/check.h"
#include "cmd/crio/daemon.h"
#include "cmd/crio/documentation.h"
#include "cmd/crio/version_info.h"
#include "cmd/crio/wipe.h"
#include "common/log.h"
#include "common/strings.h"
#include "config/render.h"
#include "status/status_command.h"
#include "sys/namespaces.h"

namespace crio {
namespace {

struct StatusOptions {
  std::string socket = "/var/run/crio/crio.sock";
  std::string container_id;
  std::string heap_file;
};

int Fail(const absl::Status& status) {
  std::cerr << "crio: " << AsStd(status.message()) << "\n";
  return 1;
}

}  // namespace
}  // namespace crio

int main(int argc, char** argv) {
  using namespace crio;
  // KUBENSMNT, as CRI-O: the pinned mount namespace crio (and so every container) lives
  // in, joined while crio is still one thread, as setns(2) requires.
  if (const char* kubensmnt = std::getenv("KUBENSMNT"); kubensmnt != nullptr && *kubensmnt) {
    if (const absl::Status joined = sys::JoinMountNamespace(kubensmnt); joined.ok()) {
      log::Info("Joined the mount namespace {} (KUBENSMNT)", kubensmnt);
    } else {
      log::Warn("KUBENSMNT: the mount namespace {} was not joined, crio runs in its parent's: {}",
                kubensmnt, AsStd(joined.message()));
    }
  }
  CLI::App app{
      "crio: a Kubernetes Container Runtime Interface daemon, a drop-in for CRI-O.\n"
      "Without a subcommand it serves CRI on the listen socket.",
      "crio"};
  app.set_version_flag("--version,-v", VersionText());
  config::FlagSet flags;
  flags.Register(app);

  CLI::App* config_cmd =
      app.add_subcommand("config", "Print the effective configuration as commented TOML");
  bool only_defaults = false;
  config_cmd->add_flag("--default", only_defaults, "Print the built-in defaults instead");

  CLI::App* version_cmd = app.add_subcommand("version", "Print version information");
  bool version_json = false;
  version_cmd->add_flag("--json,-j", version_json, "Print as JSON");

  CLI::App* wipe_cmd = app.add_subcommand(
      "wipe", "Remove pods (and, after an upgrade, images) left from before a reboot or upgrade");
  bool wipe_force = false;
  wipe_cmd->add_flag("--force,-f", wipe_force,
                     "Wipe pods and images whatever the version files say");

  CheckFlags check_flags;
  CLI::App* check_cmd =
      app.add_subcommand("check",
                         "Check CRI-O storage directory for errors.\n"
                         "This command can also repair damaged containers, images and layers.");
  check_cmd->add_option("--age,-a", check_flags.age, "Maximum allowed age for unreferenced layers")
      ->capture_default_str();
  check_cmd->add_flag("--force,-f", check_flags.force, "Remove damaged containers");
  check_cmd->add_flag("--repair,-r", check_flags.repair, "Remove damaged images and layers");
  check_cmd->add_flag("--quick,-q", check_flags.quick, "Perform only quick checks");
  check_cmd->add_flag("--wipe,-w", check_flags.wipe, "Wipe storage directory on repair failure");

  StatusOptions status_options;
  CLI::App* status_cmd = app.add_subcommand("status", "Query a running crio's status API");
  status_cmd->add_option("--socket,-s", status_options.socket, "crio's socket")
      ->capture_default_str();
  CLI::App* info_cmd = status_cmd->add_subcommand("info", "Storage and cgroup summary")->alias("i");
  CLI::App* status_config_cmd =
      status_cmd->add_subcommand("config", "The running configuration as TOML")->alias("c");
  CLI::App* containers_cmd =
      status_cmd->add_subcommand("containers", "Details of one container")->alias("container");
  containers_cmd->alias("cs")->alias("s");
  containers_cmd->add_option("--id,-i", status_options.container_id, "Container ID");
  CLI::App* goroutines_cmd =
      status_cmd->add_subcommand("goroutines", "Display every thread's stack")->alias("g");
  CLI::App* heap_cmd = status_cmd->add_subcommand(
      "heap", "Write the heap statistics to a file and log its location on disk");
  heap_cmd->alias("hp");
  heap_cmd->add_option("--file,-f", status_options.heap_file,
                       "Output file of the heap statistics ('-': standard output; default "
                       "crio-heap-TIMESTAMP.out)");
  status_cmd->require_subcommand(0, 1);  // bare, it explains itself and exits 0, as CRI-O's

  CLI::App* complete_cmd = app.add_subcommand("complete", "Generate bash, fish or zsh completions.")
                               ->alias("completion");
  std::string shell;
  complete_cmd->add_option("shell", shell, "bash (the default), zsh or fish");
  CLI::App* man_cmd = app.add_subcommand("man", "Generate the man page documentation.");
  CLI::App* markdown_cmd =
      app.add_subcommand("markdown", "Generate the markdown documentation.")->alias("md");
  app.require_subcommand(0, 1);
  for (CLI::App* sub : {check_cmd, config_cmd, version_cmd, status_cmd, wipe_cmd, complete_cmd,
                        man_cmd, markdown_cmd}) {
    sub->fallthrough();
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (const std::string log_file = flags.log_file(); !log_file.empty()) {
    if (const absl::Status opened = log::WriteToFile(log_file); !opened.ok()) return Fail(opened);
  }

  if (*complete_cmd) {
    auto script = CompletionScript(app, shell);
    if (!script.ok()) return Fail(script.status());
    std::cout << *script;
    return 0;
  }
  if (*man_cmd) {
    std::cout << ManPage();
    return 0;
  }
  if (*markdown_cmd) {
    std::cout << MarkdownPage(app);
    return 0;
  }
  if (*version_cmd) {
    std::cout << (version_json ? VersionJson().dump(2) + "\n" : VersionText());
    return 0;
  }
  if (*status_cmd) {
    if (status_cmd->get_subcommands().empty()) {
      std::cout << status_cmd->help("crio");
      return 0;
    }
    if (*heap_cmd) {
      return status::WriteHeap(status_options.socket, status_options.heap_file, std::cout,
                               std::cerr);
    }
    const status::Query query = *info_cmd            ? status::Query::kInfo
                                : *status_config_cmd ? status::Query::kConfig
                                : *goroutines_cmd    ? status::Query::kGoroutines
                                                     : status::Query::kContainer;
    return status::PrintQuery(status_options.socket, query, status_options.container_id,
                              std::cout, std::cerr);
  }
  auto defaults = config::Defaults(flags.sources());
  if (!defaults.ok()) return Fail(defaults.status());
  if (*config_cmd && only_defaults) {
    std::cout << config::Render(*defaults);
    return 0;
  }
  auto loaded = config::Load(flags.sources(), &flags);
  if (!loaded.ok()) return Fail(loaded.status());
  if (*config_cmd) {
    for (const std::string& warning : loaded->warnings)
      std::cerr << "crio: warning: " << warning << "\n";
    std::cout << config::Render(loaded->config, &*defaults);
    return 0;
  }
  if (*wipe_cmd) return RunWipe(*loaded, wipe_force);
  if (*check_cmd) return RunCheck(*loaded, check_flags);
  return RunDaemon(*loaded, flags);
}
