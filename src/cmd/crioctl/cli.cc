#include "cmd/crioctl/cli.h"

#include <chrono>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/verbs.h"
#include "common/log.h"
#include "common/strings.h"
#include "config/option.h"
#include "fmt/format.h"

namespace crio::crioctl {
namespace {

struct GlobalFlags {
  ClientOptions client;
  std::string timeout = "2s";  // crictl's default
};

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--runtime-endpoint,-r", flags.client.runtime_endpoint,
                 "Runtime socket: unix:///path or /path")
      ->envname("CONTAINER_RUNTIME_ENDPOINT")
      ->capture_default_str();
  app.add_option("--image-endpoint,-i", flags.client.image_endpoint,
                 "Image service socket (default: the runtime endpoint)")
      ->envname("IMAGE_SERVICE_ENDPOINT");
  app.add_option("--timeout,-t", flags.timeout, "Deadline of each call (e.g. 2s, 500ms, 1m)")
      ->capture_default_str();
  app.add_flag("--debug,-D", flags.client.debug, "Log each request and response to stderr");
}

// The client options with --timeout applied.
absl::StatusOr<ClientOptions> ResolveFlags(const GlobalFlags& flags) {
  const auto nanos = config::ParseDuration(flags.timeout);
  if (!nanos || *nanos <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("--timeout \"{}\": expected a duration such as 2s", flags.timeout));
  }
  ClientOptions options = flags.client;
  options.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*nanos));
  return options;
}

// CLI11 prints help and usage errors; help is success, every usage error exits 1.
int ExitForParseError(const CLI::App& app, const CLI::ParseError& error, const CommandIo& io) {
  return app.exit(error, io.out, io.err) == 0 ? 0 : 1;
}

// A failure before any verb runs: "crioctl: MESSAGE".
int ReportStatus(const absl::Status& status, const CommandIo& io) {
  io.err << "crioctl: " << AsStd(status.message()) << "\n";
  return 1;
}

}  // namespace

CLI::App* AddVerb(CLI::App& app, const std::string& name, const std::string& description,
                  VerbAction& chosen, VerbAction action) {
  CLI::App* command = app.add_subcommand(name, description);
  command->callback([&chosen, action = std::move(action)] { chosen = action; });
  return command;
}

void AddOutputOption(CLI::App& command, std::string& output, const std::string& formats) {
  command.add_option("--output,-o", output, "Output format: " + formats);
}

int RunCommandLine(int argc, const char* const* argv, const CommandIo& io) {
  CLI::App app{"crioctl: a client for CRI runtimes such as crio, with crictl's verbs", "crioctl"};
  GlobalFlags flags;
  AddGlobalFlags(app, flags);
  app.require_subcommand(1);
  VerbAction chosen;
  AddRuntimeVerbs(app, chosen);
  AddImageVerbs(app, chosen);
  AddPodVerbs(app, chosen);
  AddContainerVerbs(app, chosen);
  AddStatsVerbs(app, chosen);
  AddStreamVerbs(app, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return ExitForParseError(app, error, io);
  }

  auto options = ResolveFlags(flags);
  if (!options.ok()) return ReportStatus(options.status(), io);
  if (options->debug) log::SetLevel(log::Level::kDebug);
  auto client = Client::Connect(*options);
  if (!client.ok()) return ReportStatus(client.status(), io);
  if (!chosen) return ReportStatus(absl::InternalError("no verb chosen"), io);
  return chosen(**client, io);
}

}  // namespace crio::crioctl
