#include "cmd/crio/image_stack.h"

#include <cstdlib>

#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "config/option.h"
#include "fmt/format.h"
#include "image/digest.h"
#include "storage/driver_options.h"
#include "storage/legacy_import.h"

namespace crio {
namespace {

constexpr char kRegistriesConf[] = "/etc/containers/registries.conf";
constexpr char kRegistriesConfDir[] = "/etc/containers/registries.conf.d";
constexpr char kPolicy[] = "/etc/containers/policy.json";
// Lookaside signature storage per registry (containers-registries.d(5)).
constexpr char kRegistriesDir[] = "/etc/containers/registries.d";
constexpr char kCertsDir[] = "/etc/containers/certs.d";

// registries.conf, with crio.conf's insecure_registries on top.
absl::StatusOr<image::Registries> LoadRegistries(const std::vector<std::string>& insecure) {
  const char* override_file = std::getenv("CONTAINERS_REGISTRIES_CONF");
  auto registries = override_file != nullptr
                        ? image::Registries::Load(override_file, "")
                        : image::Registries::Load(kRegistriesConf, kRegistriesConfDir);
  if (registries.ok() && !registries->loaded_from_disk()) {
    log::Info("No registries.conf found; short names are searched on docker.io only");
  }
  if (registries.ok()) RETURN_IF_ERROR(registries->AddInsecure(insecure));
  return registries;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImageStack>> BuildImageStack(const config::Config& config,
                                                            image::PullObserver observer) {
  auto stack = std::make_unique<ImageStack>();
  std::vector<std::string> warnings;
  auto driver_options = storage::ParseDriverOptions(config.root.storage_option, warnings);
  if (!driver_options.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("storage_option: {}", AsStd(driver_options.status().message())));
  }
  for (const std::string& warning : warnings) log::Warn("{}", warning);
  for (const std::string& store : driver_options->additional_image_stores) {
    log::Info("Additional image store (read-only): {}", store);
  }
  driver_options->image_store = config.root.imagestore;
  if (!config.root.imagestore.empty()) {
    log::Info("Image store: {} (containers stay under {})", config.root.imagestore,
              config.root.root);
  }
  ASSIGN_OR_RETURN(stack->store, storage::ImageStore::Open(config.root.root, config.root.runroot,
                                                           *std::move(driver_options)));
  if (auto reconciled = stack->store->Reconcile(); !reconciled.ok()) {
    log::Warn("Image store clean-up: {}", AsStd(reconciled.message()));
  }
  // Once: the images of the store crio kept before it spoke containers/storage's format.
  if (auto imported =
          storage::ImportLegacyStore(storage::kLegacyStoreRoot, *stack->store, image::LayerIds);
      !imported.ok()) {
    log::Warn("Old image store {} not imported: {}", storage::kLegacyStoreRoot,
              AsStd(imported.status().message()));
  }
  stack->insecure_registries = config.image.insecure_registries;
  ASSIGN_OR_RETURN(image::Registries registries, LoadRegistries(stack->insecure_registries));
  stack->registries = std::make_unique<image::LiveRegistries>(std::move(registries));
  const std::string policy_path =
      config.image.signature_policy.empty() ? kPolicy : config.image.signature_policy;
  bool policy_missing = false;
  ASSIGN_OR_RETURN(stack->policy, image::Policy::Load(policy_path, &policy_missing));
  if (policy_missing) {
    log::Info("No signature policy at {}; accepting any image (insecureAcceptAnything)",
              policy_path);
  }
  if (!config.image.global_auth_file.empty()) {
    ASSIGN_OR_RETURN(stack->auth_file, image::AuthFile::Load(config.image.global_auth_file));
  }
  const auto stall = config::ParseDuration(config.image.pull_progress_timeout);
  stack->http = std::make_unique<image::CurlTransport>(image::CurlTransport::Options{
      .connect_timeout = std::chrono::seconds(30),
      .stall_timeout = std::chrono::seconds(stall ? *stall / 1'000'000'000 : 0)});
  stack->client = std::make_unique<image::RegistryClient>(*stack->http, kCertsDir);
  auto lookaside = image::Lookaside::Load(kRegistriesDir);
  if (!lookaside.ok()) {
    log::Error("{}: {}; pulls that need a signature will fail", kRegistriesDir,
               AsStd(lookaside.status().message()));
  }
  stack->signatures = std::make_unique<image::SignatureChecker>(std::move(lookaside), *stack->http,
                                                               *stack->client);
  stack->puller = std::make_unique<image::Puller>(
      *stack->client, *stack->store, *stack->registries, stack->policy, stack->auth_file,
      image::PullerOptions{
          .platform = image::HostPlatform(),
          .max_parallel = static_cast<int>(config.image.max_parallel_downloads),
          .signatures = stack->signatures.get(),
          .namespace_policies = config.image.signature_policy_dir,
          .short_name_mode = config.image.short_name_mode,
          .max_image_bytes =
              config::ParseSize(config.image.max_image_size).value_or(int64_t{64} << 30),
          .observer = std::move(observer)});
  stack->images =
      std::make_unique<image::Images>(*stack->puller, *stack->store, *stack->registries);
  return stack;
}

absl::Status ReloadRegistries(ImageStack& stack) {
  ASSIGN_OR_RETURN(image::Registries registries, LoadRegistries(stack.insecure_registries));
  stack.registries->Replace(std::move(registries));
  return absl::OkStatus();
}

}  // namespace crio
