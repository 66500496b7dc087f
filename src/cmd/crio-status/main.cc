// crio-status: CRI-O 1.26's separate status tool, kept for the scripts that call it. The same
// queries as `crio status`, with crio-status's command line: a subcommand is required
// ("expecting a valid subcommand", exit 1), --socket comes first.
#include <iostream>

#include "CLI/CLI.hpp"
#include "cmd/crio/version_info.h"
#include "status/status_command.h"

int main(int argc, char** argv) {
  using crio::status::Query;
  CLI::App app{"A tool for CRI-O status retrieval", "crio-status"};
  app.set_version_flag("--version,-v", crio::VersionText());
  std::string socket = "/var/run/crio/crio.sock";
  app.add_option("--socket,-s", socket, "absolute path to the unix socket")
      ->capture_default_str();
  CLI::App* config = app.add_subcommand("config", "Show the configuration of CRI-O as TOML string.");
  config->alias("c");
  std::string id;
  CLI::App* containers = app.add_subcommand(
      "containers", "Display detailed information about the provided container ID.");
  containers->alias("container")->alias("cs")->alias("s");
  containers->add_option("--id,-i", id, "the container ID");
  CLI::App* info = app.add_subcommand(
      "info", "Retrieve generic information about CRI-O, like the cgroup and storage driver.");
  info->alias("i");
  for (CLI::App* sub : {config, containers, info}) sub->fallthrough();
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << error.what() << "\n";
    return 1;  // as crio-status: an unknown command or flag exits 1
  }
  if (app.get_subcommands().empty()) {
    std::cerr << "expecting a valid subcommand\n";
    return 1;
  }
  const Query query = *info ? Query::kInfo : *config ? Query::kConfig : Query::kContainer;
  return crio::status::PrintQuery(socket, query, id, std::cout, std::cerr);
}
