// crioctl: a CRI client for tests and operators, with crictl's verbs and flags.
#include <iostream>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "config/option.h"

namespace {

using crio::crioctl::ClientOptions;
using crio::crioctl::CommandIo;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crioctl: a client for CRI runtimes such as crio, with crictl's verbs", "crioctl"};
  ClientOptions options;
  std::string timeout = "2s";
  bool debug = false;
  app.add_option("--runtime-endpoint,-r", options.runtime_endpoint, "Runtime socket (unix://)")
      ->envname("CONTAINER_RUNTIME_ENDPOINT")
      ->capture_default_str();
  app.add_option("--image-endpoint,-i", options.image_endpoint,
                 "Image service socket (default: the runtime endpoint)")
      ->envname("IMAGE_SERVICE_ENDPOINT");
  app.add_option("--timeout,-t", timeout, "Timeout of each call (e.g. 2s, 500ms, 1m)")
      ->capture_default_str();
  app.add_flag("--debug,-D", debug, "Print debug output");
  app.require_subcommand(1);

  std::string output;
  auto verb = [&](const std::string& name, const std::string& help) {
    CLI::App* command = app.add_subcommand(name, help);
    command->add_option("--output,-o", output, "Output format: json or yaml");
    return command;
  };
  CLI::App* version = verb("version", "Display runtime version information");
  CLI::App* info = verb("info", "Display information of the container runtime");
  CLI::App* runtime_config = verb("runtime-config", "Display the runtime's cgroup driver");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  const CommandIo io{std::cout, std::cerr};
  const auto nanos = crio::config::ParseDuration(timeout);
  if (!nanos || *nanos <= 0) {
    std::cerr << "crioctl: --timeout \"" << timeout << "\": expected a duration such as 2s\n";
    return 1;
  }
  options.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*nanos));
  auto client = crio::crioctl::Client::Connect(options);
  if (!client.ok()) {
    std::cerr << "crioctl: " << crio::AsStd(client.status().message()) << "\n";
    return 1;
  }
  if (debug) std::cerr << "crioctl: connecting to " << options.runtime_endpoint << "\n";
  if (*version) return RunVersion(**client, output, io);
  if (*info) return RunInfo(**client, output, io);
  if (*runtime_config) return RunRuntimeConfig(**client, output, io);
  return 1;
}
