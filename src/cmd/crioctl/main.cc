// crioctl: a CRI client for tests and operators, with crictl's verbs and flags.
#include <iostream>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/verbs.h"
#include "common/log.h"
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
  app.add_option("--runtime-endpoint,-r", options.runtime_endpoint, "Runtime socket (unix://)")
      ->envname("CONTAINER_RUNTIME_ENDPOINT")
      ->capture_default_str();
  app.add_option("--image-endpoint,-i", options.image_endpoint,
                 "Image service socket (default: the runtime endpoint)")
      ->envname("IMAGE_SERVICE_ENDPOINT");
  app.add_option("--timeout,-t", timeout, "Timeout of each call (e.g. 2s, 500ms, 1m)")
      ->capture_default_str();
  app.add_flag("--debug,-D", options.debug, "Log each request and response to stderr");
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

  crio::crioctl::PullOptions pull_options;
  CLI::App* pull = app.add_subcommand("pull", "Pull an image from a registry");
  pull->add_option("IMAGE", pull_options.image, "Image name")->required();
  pull->add_option("--creds", pull_options.creds, "Registry credentials, USERNAME:PASSWORD");
  pull->add_option("--auth", pull_options.auth,
                   "Registry credentials, base64 of USERNAME:PASSWORD");

  crio::crioctl::ImagesOptions images_options;
  CLI::App* images = app.add_subcommand("images", "List images")->alias("image");
  images->add_option("IMAGE", images_options.filter, "Only this image");
  images->add_flag("--quiet,-q", images_options.quiet, "Only show image IDs");
  images->add_flag("--digests", images_options.digests, "Show digests");
  images->add_option("--output,-o", images_options.output, "Output format: table, json or yaml");

  std::vector<std::string> remove_targets;
  bool remove_all = false;
  CLI::App* rmi = app.add_subcommand("rmi", "Remove one or more images");
  rmi->add_option("IMAGE", remove_targets, "Image names or IDs");
  rmi->add_flag("--all,-a", remove_all, "Remove all images");

  std::string inspect_target;
  CLI::App* inspecti = verb("inspecti", "Return the status of one image");
  inspecti->add_option("IMAGE", inspect_target, "Image name or ID")->required();
  CLI::App* imagefsinfo = verb("imagefsinfo", "Return image filesystem info");

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
  if (options.debug) crio::log::SetLevel(crio::log::Level::kDebug);
  auto client = crio::crioctl::Client::Connect(options);
  if (!client.ok()) {
    std::cerr << "crioctl: " << crio::AsStd(client.status().message()) << "\n";
    return 1;
  }
  if (*version) return RunVersion(**client, output, io);
  if (*info) return RunInfo(**client, output, io);
  if (*runtime_config) return RunRuntimeConfig(**client, output, io);
  if (*pull) return RunPull(**client, pull_options, io);
  if (*images) return RunImages(**client, images_options, io);
  if (*rmi) return RunRemoveImages(**client, remove_targets, remove_all, io);
  if (*inspecti) return RunInspectImage(**client, inspect_target, output, io);
  if (*imagefsinfo) return RunImageFsInfo(**client, output, io);
  return 1;
}
