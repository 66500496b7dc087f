#include "cmd/crio/check.h"

#include <charconv>
#include <cstdlib>

#include "common/log.h"
#include "common/strings.h"
#include "config/option.h"
#include "fmt/format.h"
#include "storage/container_layers.h"
#include "storage/driver_options.h"
#include "storage/image_store.h"
#include "storage/store_check.h"
#include "storage/store_repair.h"
#include "sys/unix_socket.h"

namespace crio {
namespace {

// How CRI-O's `crio check` ends on an error: one line, exit status 1.
int Fail(std::string_view message) {
  log::Error("{}", message);
  return 1;
}

// Each problem, as CRI-O logs it ("layer: ID: problem"). CRI-O logs them at debug level,
// where an operator running the command does not see them; crio at warning level.
void LogProblems(const storage::CheckReport& report) {
  const std::pair<const char*, const storage::Problems*> kinds[] = {
      {"layer", &report.layers},
      {"read-only layer", &report.read_only_layers},
      {"image", &report.images},
      {"read-only image", &report.read_only_images},
      {"container", &report.containers}};
  for (const auto& [kind, problems] : kinds) {
    for (const auto& [id, lines] : *problems) {
      for (const std::string& line : lines) log::Warn("{}: {}: {}", kind, id, line);
    }
  }
  for (const std::string& note : report.notes) log::Info("{}", note);
}

std::string CountsLine(const storage::CheckReport& report) {
  return fmt::format(
      "{} layer errors, {} read-only layer errors, {} image errors, {} read-only image errors, "
      "{} container errors",
      report.layers.size(), report.read_only_layers.size(), report.images.size(),
      report.read_only_images.size(), report.containers.size());
}

absl::StatusOr<std::unique_ptr<storage::ImageStore>> OpenStore(const config::Config& config) {
  std::vector<std::string> warnings;
  absl::StatusOr<storage::DriverOptions> options =
      storage::ParseDriverOptions(config.root.storage_option, warnings);
  if (!options.ok()) return options.status();
  for (const std::string& warning : warnings) log::Warn("{}", warning);
  options->image_store = config.root.imagestore;
  // Opened as the daemon opens it, but without its start-up clean-up (Reconcile), which
  // removes incomplete layers: a check changes nothing unless asked to repair.
  return storage::ImageStore::Open(config.root.root, config.root.runroot, *std::move(options));
}

// Repairs what `report` names (and wipes when asked and that fails); the exit status.
int Repair(const storage::CheckReport& report, const CheckFlags& flags, storage::ImageStore& store,
           const std::string& root) {
  if (flags.force) {
    log::Warn(
        "The `force` option has been set, repair will attempt to remove damaged "
        "containers");
  }
  log::Info("Attempting to repair storage directory {}", root);
  storage::ContainerLayers containers(store.files());
  const std::vector<absl::Status> errors =
      storage::RepairStore(report, {.remove_containers = flags.force}, store, containers);
  if (!errors.empty()) {
    for (const absl::Status& error : errors) log::Error("{}", AsStd(error.message()));
    if (!flags.wipe) return Fail(AsStd(errors.front().message()));
    if (flags.force) {
      log::Warn("The `force` option has been set, storage directory will be forcefully removed");
    }
    log::Info("Wiping storage directory {}", root);
    const absl::Status wiped = storage::WipeStore(store.files(), flags.force);
    return wiped.ok() ? 0 : Fail(AsStd(wiped.message()));
  }
  // What a repair leaves: the read-only stores' damage, and without --force the containers'.
  if (!report.read_only_layers.empty() || !report.read_only_images.empty() ||
      (!flags.force && !report.containers.empty())) {
    return Fail(fmt::format(
        "{} read-only layer errors, {} read-only image errors{}", report.read_only_layers.size(),
        report.read_only_images.size(),
        flags.force ? "" : fmt::format(", {} container errors", report.containers.size())));
  }
  return 0;
}

}  // namespace

std::optional<std::chrono::seconds> ParseAge(std::string_view text) {
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error == std::errc() && end == text.data() + text.size()) {
    return std::chrono::seconds(std::llabs(seconds));
  }
  // Go's durations take a sign; CRI-O counts a negative age as positive.
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  const std::optional<int64_t> nanos = config::ParseDuration(text);
  if (!nanos) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::nanoseconds(*nanos));
}

int RunCheck(const config::Loaded& loaded, const CheckFlags& flags) {
  const config::Config& config = loaded.config;
  if (auto level = log::ParseLevel(config.runtime.log_level); level.ok()) log::SetLevel(*level);
  const std::optional<std::chrono::seconds> age = ParseAge(flags.age);
  if (!age) {
    return Fail(
        fmt::format("unable to parse age duration: time: invalid duration {:?}", flags.age));
  }
  // Only a repair writes: it must not run beside a crio using the storage (the socket's lock
  // held means crio runs), and holding that lock keeps a crio from starting meanwhile.
  absl::StatusOr<sys::UniqueFd> daemon_lock = absl::UnavailableError("not taken");
  if (flags.repair) {
    daemon_lock = sys::LockFile(config.api.listen + ".lock");
    if (absl::IsUnavailable(daemon_lock.status())) {
      return Fail(fmt::format("crio is running ({} is locked); stop it before a repair",
                              config.api.listen));
    }
  }
  auto store = OpenStore(config);
  if (!store.ok()) {
    return Fail(fmt::format("unable to open storage: {}", AsStd(store.status().message())));
  }
  const std::string& root = config.root.root;
  log::Info("Checking storage directory {} for errors", root);
  storage::CheckOptions options = flags.quick ? storage::CheckMost() : storage::CheckEverything();
  options.max_unreferenced_age = *age;
  const absl::StatusOr<storage::CheckReport> report =
      storage::CheckStore((*store)->files(), options);
  if (!report.ok()) {
    return Fail(fmt::format("unable to check storage: {}", AsStd(report.status().message())));
  }
  LogProblems(*report);
  log::Debug("Storage directory {} has errors: {}", root, report->HasErrors());
  if (flags.repair) return Repair(*report, flags, **store, root);
  if (!report->HasErrors()) return 0;
  log::Warn("Errors found while checking storage directory {} for errors", root);
  return Fail(CountsLine(*report));
}

}  // namespace crio
