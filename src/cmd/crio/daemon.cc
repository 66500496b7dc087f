#include "cmd/crio/daemon.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "cmd/crio/host_probe.h"
#include "cmd/crio/image_stack.h"
#include "cmd/crio/pod_stack.h"
#include "cmd/crio/profiling.h"
#include "cmd/crio/run_marks.h"
#include "cmd/crio/wipe.h"
#include "common/log.h"
#include "common/strings.h"
#include "config/live_config.h"
#include "config/load.h"
#include "config/option.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "metrics/endpoint.h"
#include "metrics/metrics.h"
#include "network/cni_watch.h"
#include "server/api_socket.h"
#include "server/cri_server.h"
#include "server/image_service.h"
#include "server/runtime_service.h"
#include "server/streaming.h"
#include "status/http_server.h"
#include "status/status_api.h"
#include "sys/memory_trim.h"
#include "tls/self_signed.h"
#include "tls/tls.h"
#include "version.h"

namespace crio {
namespace {

// In-flight rpcs get this long to finish on SIGTERM (CRI-O's grace period); the rest of
// the shutdown (closing the gRPC server, the clean-shutdown marker) gets kShutdownTail.
// A call stuck in the kernel (a FIFO an image planted, a hung mount) never keeps crio up:
// past the bound crio exits anyway. Containers keep running under conmon, and the missing
// clean-shutdown marker makes the next start check the store and reconcile what the
// abandoned calls left half done.
constexpr std::chrono::seconds kShutdownGrace(10);
constexpr std::chrono::seconds kShutdownTail(5);

// Ends crio if the shutdown as a whole outlives its bound, whatever step hangs.
void ArmShutdownWatchdog() {
  try {
    std::thread([] {
      std::this_thread::sleep_for(kShutdownGrace + kShutdownTail);
      log::Error("crio did not finish shutting down within {}s; exiting now",
                 (kShutdownGrace + kShutdownTail).count());
      std::_Exit(1);
    }).detach();
  } catch (const std::system_error& error) {
    log::Warn("cannot bound the shutdown: {}", error.what());
  }
}

// Leaves calls that outlived the grace period behind: waiting for them (gRPC's shutdown
// would) could take forever. No clean-shutdown marker is written.
[[noreturn]] void ExitLeavingCallsBehind(const std::vector<std::string>& methods, int exit_code) {
  log::Warn("{} CRI calls did not finish within {}s of the shutdown ({}); exiting without them",
            methods.size(), kShutdownGrace.count(), fmt::join(methods, ", "));
  log::Info("crio stopped");
  std::_Exit(exit_code);
}

// --profile-cpu and --profile-mem's files; 1 when one could not be written (CRI-O then
// exits with its error too), else 0.
int WriteProfiles(Profiling& profiling) {
  if (absl::Status written = profiling.WriteProfiles(); !written.ok()) {
    log::Error("{}", AsStd(written.message()));
    return 1;
  }
  return 0;
}

sigset_t HandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) {
    sigaddset(&signals, signal);
  }
  return signals;
}

void ApplyLogSettings(const config::Config& config) {
  // Both were validated by config::Load.
  if (auto level = log::ParseLevel(config.runtime.log_level); level.ok()) log::SetLevel(*level);
  if (auto format = log::ParseFormat(config.runtime.log_format); format.ok())
    log::SetFormat(*format);
  (void)log::SetFilter(config.runtime.log_filter);
}

// CRI-O's notice for a seccomp_profile that names no file: the built-in profile applies.
void NoteMissingSeccompProfile(const config::Config& config) {
  const std::string& profile = config.runtime.seccomp_profile;
  if (!profile.empty() && ::access(profile.c_str(), F_OK) != 0) {
    log::Info("Specified profile does not exist on disk: {}; the built-in profile applies",
              profile);
  }
}

// The files the configuration names that must exist while crio runs, checked at start-up
// and on reload, with the error CRI-O gives ("stat PATH: no such file or directory").
absl::Status CheckNamedFiles(const config::Config& config) {
  const std::string& auth_file = config.image.pause_image_auth_file;
  struct stat info {};
  if (!auth_file.empty() && ::stat(auth_file.c_str(), &info) != 0) {
    std::string why = std::strerror(errno);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(why[0]));
    return absl::FailedPreconditionError(fmt::format("stat {}: {}", auth_file, why));
  }
  return absl::OkStatus();
}

// Every handler's runtime binary must exist before crio takes requests.
absl::Status CheckRuntimeHandlers(const config::Config& config) {
  for (const auto& [name, handler] : config.runtime.runtimes) {
    auto path = ResolveRuntimePath(name, handler);
    if (!path.ok()) {
      return absl::FailedPreconditionError(
          fmt::format("runtime handler \"{}\": {}", name, AsStd(path.status().message())));
    }
    log::Info("Using runtime handler {} at {}", name, *path);
    WarnIfVulnerableRuntime(*path);
  }
  return absl::OkStatus();
}

void Reload(const config::FlagSet& flags, config::LiveConfig& live, ImageStack& images) {
  log::Info("Reloading configuration on SIGHUP");
  if (auto reloaded = ReloadRegistries(images); !reloaded.ok()) {
    log::Error("registries.conf not reloaded, keeping the current one: {}",
               AsStd(reloaded.message()));
  } else {
    log::Info("Reloaded registries.conf");
  }
  // As CRI-O reloads: the defaults and the files; command-line flags apply at start only.
  auto fresh = config::Load(flags.sources(), nullptr);
  const absl::Status loaded = fresh.ok() ? CheckNamedFiles(fresh->config) : fresh.status();
  if (!loaded.ok()) {
    // CRI-O's words, which scripts and its tests look for, then where the problem is.
    const std::string problem = config::Problem(loaded);
    const std::string_view whole = AsStd(loaded.message());
    log::Error("unable to reload configuration: {}{} (keeping the current one)", problem,
               problem == whole ? "" : fmt::format(" ({})", whole));
    return;
  }
  for (const std::string& warning : fresh->warnings) log::Warn("{}", warning);
  const std::vector<std::string> changes = live.Reload(fresh->config);
  {
    // Shown whatever level the reload sets, as CRI-O shows its log_level change.
    const log::Level level = log::CurrentLevel();
    if (level > log::Level::kInfo) log::SetLevel(log::Level::kInfo);
    for (const std::string& change : changes) log::Info("{}", change);
    if (changes.empty()) log::Info("No reloadable option changed");
    NoteMissingSeccompProfile(*live.Snapshot());
    log::SetLevel(level);
  }
  ApplyLogSettings(*live.Snapshot());
}

// internal_wipe: what PlanInternalWipe calls for (the pods of an earlier boot or crio,
// the images of crio's containers after an upgrade or an unclean shutdown and reboot); then
// both version files name this crio. Returns the pods the wipe could not remove yet.
std::vector<std::string> WipeIfRebootedOrUpgraded(const config::Config& config, bool unclean,
                                                  PodStack& pods, ImageStack& images) {
  const WipePlan plan = PlanInternalWipe(config, unclean);
  std::vector<std::string> left;
  if (config.root.internal_wipe && plan.pods) {
    auto wiped =
        WipeState(*pods.sandboxes, *pods.layers, plan.images ? images.images.get() : nullptr);
    if (!wiped.ok()) {
      log::Warn("Wiping the state of an earlier boot: {}", AsStd(wiped.status().message()));
    } else {
      if (wiped->pods > 0 || wiped->images > 0) {
        log::Info("Wiped {} pods and {} images ({})", wiped->pods, wiped->images, plan.reason);
      }
      if (!wiped->pods_left.empty()) {
        log::Warn("Wiping the state of an earlier boot: {} pods are left, retried in the "
                  "background: {}",
                  wiped->pods_left.size(), AsStd(wiped->first_error.message()));
      }
      left = std::move(wiped->pods_left);
    }
  }
  for (const std::string& file : {config.root.version_file, config.root.version_file_persist}) {
    if (auto written = WriteVersionFile(file, kVersion); !written.ok()) {
      log::Warn("version file: {}", AsStd(written.message()));
    }
  }
  return left;
}

// crio_image_pulls_failure_total's error label: the gRPC code's name ("NOT_FOUND").
std::string PullErrorLabel(const grpc::Status& status) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
}

// Waits for signals: SIGHUP reloads, SIGUSR1 and SIGUSR2 serve diagnostics (as CRI-O's),
// SIGTERM/SIGINT return.
void WaitForShutdown(const sigset_t& signals, const config::FlagSet& flags,
                     config::LiveConfig& live, ImageStack& images) {
  for (;;) {
    siginfo_t info{};
    const int signal = sigwaitinfo(&signals, &info);
    if (signal == SIGHUP) {
      Reload(flags, live, images);
    } else if (signal == SIGUSR1) {
      Profiling::WriteThreadStacks();
    } else if (signal == SIGUSR2) {
      Profiling::ReturnFreeHeap();
    } else if (signal == SIGTERM || signal == SIGINT) {
      log::Info("Received signal {} ({}), shutting down", signal, strsignal(signal));
      return;
    }
  }
}

// The streaming server's settings from [crio.api] (validated at load).
stream::StreamServer::Options StreamServerOptions(const config::Config& config) {
  stream::StreamServer::Options options{.address = config.api.stream_address};
  int port = 0;
  const std::string& text = config.api.stream_port;
  std::from_chars(text.data(), text.data() + text.size(), port);
  options.port = port;
  if (const auto idle = config::ParseDuration(config.api.stream_idle_timeout); idle && *idle > 0) {
    options.idle_timeout = std::chrono::milliseconds(std::max<int64_t>(1, *idle / 1'000'000));
  }
  return options;
}

image::PullObserver PullObserverFor(metrics::Metrics& metrics) {
  return {.blob_fetched =
              [&metrics](const image::PulledImage& image, const image::Descriptor& blob,
                         uint64_t transferred, bool is_layer) {
                metrics.CountBlobFetched({.image = image.name,
                                          .image_size = static_cast<uint64_t>(image.size),
                                          .digest = blob.digest,
                                          .media_type = blob.media_type,
                                          .size = static_cast<uint64_t>(blob.size),
                                          .transferred = transferred,
                                          .is_layer = is_layer});
              },
          .layer_reused =
              [&metrics](const image::PulledImage& image, const image::Descriptor& layer) {
                metrics.CountLayerReused(image.name, layer.digest,
                                         static_cast<uint64_t>(layer.size));
              }};
}

// Serves `render` on [crio.metrics]'s address, over HTTPS when metrics_cert and metrics_key
// are set.
absl::StatusOr<std::unique_ptr<metrics::MetricsEndpoint>> StartMetricsEndpoint(
    const config::MetricsConfig& config, std::function<std::string()> render) {
  std::shared_ptr<tls::TlsServerConfig> tls;
  if (!config.metrics_cert.empty()) {
    // As CRI-O: files that do not exist yet get a self-signed pair.
    if (auto made = tls::EnsureSelfSignedPair(config.metrics_cert, config.metrics_key);
        !made.ok()) {
      return absl::Status(made.code(), fmt::format("metrics_cert/metrics_key: {}",
                                                   AsStd(made.message())));
    }
    auto loaded = tls::TlsServerConfig::Load(config.metrics_cert, config.metrics_key, "");
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(), fmt::format("metrics_cert/metrics_key: {}",
                                                              AsStd(loaded.status().message())));
    }
    tls = std::move(*loaded);
  }
  auto started = metrics::MetricsEndpoint::Start({.host = config.metrics_host,
                                                  .port = static_cast<int>(config.metrics_port),
                                                  .socket = config.metrics_socket},
                                                 std::move(render), tls);
  if (!started.ok()) return started.status();
  log::Info("Serving metrics on {}{}",
            config.metrics_socket.empty()
                ? fmt::format("{}:{}", config.metrics_host, config.metrics_port)
                : config.metrics_socket,
            tls ? " (HTTPS)" : "");
  return started;
}

}  // namespace

int RunDaemon(const config::Loaded& loaded, const config::FlagSet& flags) {
  const sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  ::umask(022);

  ApplyLogSettings(loaded.config);
  for (const std::string& warning : loaded.warnings) log::Warn("{}", warning);
  log::Info("Starting crio {} (CRI v1)", kVersion);
  NoteMissingSeccompProfile(loaded.config);
  if (auto checked = CheckNamedFiles(loaded.config); !checked.ok()) {
    log::Error("{}", AsStd(checked.message()));
    return 1;
  }
  if (auto checked = CheckRuntimeHandlers(loaded.config); !checked.ok()) {
    log::Error("{}", AsStd(checked.message()));
    return 1;
  }
  if (auto checked = CheckJournald(loaded.config); !checked.ok()) {
    log::Error("{}", AsStd(checked.message()));
    return 1;
  }
  const PodStackHost host = ProbeHost(loaded.config);
  if (auto checked = CheckResourceClasses(loaded.config, host.cgroup_manager, ResctrlMounted());
      !checked.ok()) {
    log::Error("{}", AsStd(checked.message()));
    return 1;
  }
  auto profiling = Profiling::Start(flags.profile());
  if (!profiling.ok()) {
    log::Error("{}", AsStd(profiling.status().message()));
    return 1;
  }
  config::LiveConfig live(loaded.config);
  const config::Config& config = loaded.config;
  const bool unclean = UncleanShutdown(config.root.clean_shutdown_file);
  if (unclean) {
    log::Warn("crio did not shut down cleanly last time; the image store is checked now");
  }
  if (auto marked = MarkRunning(config.root.clean_shutdown_file); !marked.ok()) {
    log::Warn("clean_shutdown_file: {}", AsStd(marked.message()));
  }
  metrics::Metrics metrics(
      {config.metrics.metrics_collectors.begin(), config.metrics.metrics_collectors.end()});
  auto image_stack = BuildImageStack(config, PullObserverFor(metrics));
  if (!image_stack.ok()) {
    log::Error("Cannot set up image storage: {}", AsStd(image_stack.status().message()));
    return 1;
  }
  EnsureDefaultAppArmorProfile(config.runtime.apparmor_profile);
  const server::RuntimeFacts facts{.cgroup_manager = host.cgroup_manager};
  auto pod_stack = BuildPodStack(
      live, host, *(*image_stack)->images, (*image_stack)->store->files(),
      {.oom_killed = [&metrics](const std::string& name) { metrics.CountOom(name); },
       .step_timed = [&metrics](std::string_view step,
                                double seconds) { metrics.CountStep(step, seconds); }});
  if (!pod_stack.ok()) {
    log::Error("Cannot restore pod state: {}", AsStd(pod_stack.status().message()));
    return 1;
  }
  std::optional<PodRemovalRetrier> wipe_retries;
  if (auto left = WipeIfRebootedOrUpgraded(config, unclean, **pod_stack, **image_stack);
      !left.empty()) {
    wipe_retries.emplace(*(*pod_stack)->sandboxes, std::move(left));
  }
  server::RpcEdge edge;
  const metrics::Sources scrape_sources{
      .events_dropped = [events = (*pod_stack)->events.get()] { return events->dropped(); },
      .default_runtime = config.runtime.default_runtime};
  std::unique_ptr<metrics::MetricsEndpoint> metrics_endpoint;
  if (config.metrics.enable_metrics) {
    auto started = StartMetricsEndpoint(
        config.metrics, [&metrics, &scrape_sources] { return metrics.Render(scrape_sources); });
    if (!started.ok()) {
      log::Error("Cannot serve metrics: {}", AsStd(started.status().message()));
      return 1;
    }
    metrics_endpoint = std::move(*started);
    edge.SetMetrics(&metrics);
  }
  network::CniConfigWatcher network(config.network.network_dir, config.network.plugin_dirs,
                                    config.network.cni_default_network);
  server::CriStreamBackend stream_backend(*(*pod_stack)->containers, *(*pod_stack)->sandboxes);
  stream::StreamServer::Options stream_options = StreamServerOptions(config);
  if (config.api.stream_enable_tls) {
    auto tls = tls::TlsServerConfig::Load(config.api.stream_tls_cert, config.api.stream_tls_key,
                                          config.api.stream_tls_ca);
    if (!tls.ok()) {
      log::Error("Cannot serve streams over TLS: {}", AsStd(tls.status().message()));
      return 1;
    }
    stream_options.tls = std::move(*tls);
  }
  auto streaming = stream::StreamServer::Start(std::move(stream_options), stream_backend);
  if (!streaming.ok()) {
    log::Error("{}", AsStd(streaming.status().message()));
    return 1;
  }
  log::Info("Streaming server listening on {}:{}{}", config.api.stream_address,
            (*streaming)->port(), config.api.stream_enable_tls ? " (TLS)" : "");
  server::RuntimeService runtime_service(edge, live, network, facts, *(*pod_stack)->sandboxes,
                                         *(*pod_stack)->containers, *(*pod_stack)->container_stats,
                                         **streaming);
  container::Containers& containers = *(*pod_stack)->containers;
  server::ImageService image_service(
      edge, live, *(*image_stack)->images,
      [&containers](const std::string& image_id) { return containers.ContainerUsing(image_id); },
      [&metrics](const std::string& image, const grpc::Status& pulled) {
        metrics.CountPull(image, pulled.ok(), PullErrorLabel(pulled));
        sys::ReleaseCleanFilePages();  // a pull's code is cold until the next pull
      });
  auto cri =
      server::CriServer::Start({&runtime_service, &image_service},
                               {.max_send_message_bytes = config.api.grpc_max_send_msg_size,
                                .max_recv_message_bytes = config.api.grpc_max_recv_msg_size});
  if (!cri.ok()) {
    log::Error("{}", AsStd(cri.status().message()));
    return 1;
  }
  status::StatusApi status_api(
      live, facts.cgroup_manager,
      {.info = [&containers](const std::string& id) { return containers.StatusInfo(id); },
       .pause = [&containers](const std::string& id) { return containers.Pause(id); },
       .unpause = [&containers](const std::string& id) { return containers.Resume(id); }},
      (*profiling)->StatusApiAccess());
  status::HttpServer http([&](const status::HttpRequest& r) { return status_api.Handle(r); },
                          status::HttpServer::Options{});
  auto socket = server::ApiSocket::Open(config.api.listen);
  if (!socket.ok()) {
    log::Error("Cannot serve on {}: {}", config.api.listen, AsStd(socket.status().message()));
    http.Stop();
    (*cri)->Shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  (*socket)->Start([&](sys::UniqueFd fd) { (*cri)->Adopt(std::move(fd)); },
                   [&](sys::UniqueFd fd) { http.Submit(std::move(fd)); });
  edge.SetReady();
  // Start-up is over: give back the library pages it touched (see sys/memory_trim.h).
  const sys::TrimResult trimmed = sys::ReleaseCleanFilePages();
  log::Debug("Released {} clean file mappings ({} KiB mapped)", trimmed.mappings,
             trimmed.bytes >> 10);
  log::Info("Serving CRI and the status API on {}", config.api.listen);
  NotifySystemdReady();

  WaitForShutdown(signals, flags, live, **image_stack);
  ArmShutdownWatchdog();
  // Stop taking connections and calls, let the calls in flight finish, then close the rest.
  (*profiling)->StopServing();
  (*socket)->Stop();
  http.Stop();
  const auto unfinished = edge.Drain(kShutdownGrace);
  const int exit_code = WriteProfiles(**profiling);
  if (!unfinished.empty()) ExitLeavingCallsBehind(unfinished, exit_code);
  (*cri)->Shutdown(std::chrono::milliseconds(0));
  if (auto released = (*pod_stack)->layers->UnmountHomeIfIdle(); !released.ok()) {
    log::Warn("Storage: {}", AsStd(released.message()));
  }
  if (auto marked = MarkCleanShutdown(config.root.clean_shutdown_file, config.root.root);
      !marked.ok()) {
    log::Warn("clean_shutdown_file: {}", AsStd(marked.message()));
  }
  log::Info("crio stopped");
  return exit_code;
}

}  // namespace crio
