#include "cmd/crio/wipe.h"

#include <iostream>
#include <set>

#include "cmd/crio/image_stack.h"
#include "cmd/crio/pod_stack.h"
#include "cmd/crio/run_marks.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "config/live_config.h"
#include "sys/unix_socket.h"
#include "version.h"

namespace crio {

namespace {

constexpr char kUncleanReboot[] = "the node rebooted after crio did not shut down cleanly";

}  // namespace

WipePlan PlanWipeCommand(const config::Config& config, bool unclean, bool force) {
  if (force) return {.pods = true, .images = true, .reason = "--force"};
  const bool rebooted = VersionChanged(config.root.version_file, kVersion);
  const bool upgraded = VersionChanged(config.root.version_file_persist, kVersion);
  if (!rebooted) {
    if (upgraded) {
      log::Info("Legacy version-file path found, but new version-file-persist path not. "
                "Skipping wipe");
    }
    return {};
  }
  if (upgraded) return {.pods = true, .images = true, .reason = "crio was upgraded"};
  if (unclean) return {.pods = true, .images = true, .reason = kUncleanReboot};
  return {.pods = true, .reason = "the node rebooted"};
}

WipePlan PlanInternalWipe(const config::Config& config, bool unclean) {
  const bool rebooted = VersionChanged(config.root.version_file, kVersion);
  const bool upgraded = VersionChanged(config.root.version_file_persist, kVersion);
  if (upgraded) return {.pods = true, .images = true, .reason = "crio was upgraded"};
  if (rebooted && unclean) return {.pods = true, .images = true, .reason = kUncleanReboot};
  if (rebooted) return {.pods = true, .reason = "the node rebooted"};
  return {};
}

absl::StatusOr<WipeResult> WipeState(sandbox::Sandboxes& sandboxes,
                                     storage::ContainerRootfs& rootfs, image::Images* images) {
  std::set<std::string> crio_images;
  if (images != nullptr) {
    ASSIGN_OR_RETURN(const storage::RecordedContainers recorded, rootfs.Recorded());
    crio_images = recorded.crio_images;
  }
  WipeResult result;
  auto failed = [&result](const absl::Status& status) {
    if (result.first_error.ok()) result.first_error = status;
  };
  for (const sandbox::Sandbox& pod : sandboxes.List({})) {
    if (auto removed = sandboxes.Remove(pod.id); !removed.ok()) {
      log::Warn("wipe: pod {}: {}", pod.id, AsStd(removed.message()));
      failed(removed);
      result.pods_left.push_back(pod.id);
      continue;
    }
    ++result.pods;
  }
  for (const std::string& image : crio_images) {
    auto found = images->Find(image);
    if (found.ok() && !found->has_value()) continue;  // gone already
    if (auto removed = images->Remove(image); !removed.ok()) {
      if (absl::IsFailedPrecondition(removed)) {
        log::Info("wipe: image {} stays: {}", image, AsStd(removed.message()));
        continue;
      }
      log::Warn("wipe: image {}: {}", image, AsStd(removed.message()));
      failed(removed);
      continue;
    }
    ++result.images;
  }
  return result;
}

PodRemovalRetrier::PodRemovalRetrier(sandbox::Sandboxes& sandboxes,
                                     std::vector<std::string> pod_ids)
    : sandboxes_(sandboxes),
      thread_([this, ids = std::move(pod_ids)](std::stop_token stop) mutable {
        Run(stop, std::move(ids));
      }) {}

void PodRemovalRetrier::Run(std::stop_token stop, std::vector<std::string> pod_ids) {
  constexpr int kQuickTries = 30;
  for (int tries = 0; !pod_ids.empty(); ++tries) {
    const auto pause = tries < kQuickTries ? std::chrono::seconds(1) : std::chrono::seconds(10);
    {
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, stop, pause, [] { return false; }) || stop.stop_requested()) {
        return;
      }
    }
    std::erase_if(pod_ids, [this](const std::string& id) {
      const absl::Status removed = sandboxes_.Remove(id);
      if (removed.ok()) log::Info("Removed pod sandbox {}, which the wipe at start-up left", id);
      return removed.ok();
    });
  }
}

int RunWipe(const config::Loaded& loaded, bool force) {
  const config::Config& config = loaded.config;
  // The socket's lock is crio's: held, crio runs and its state is not ours to touch. Held
  // by us, no crio starts while we wipe.
  auto lock = sys::LockFile(config.api.listen + ".lock");
  if (!lock.ok() && lock.status().code() == absl::StatusCode::kUnavailable) {
    std::cerr << "crio wipe: crio is running (" << config.api.listen
              << " is locked); stop it first\n";
    return 1;
  }
  const WipePlan plan =
      PlanWipeCommand(config, UncleanShutdown(config.root.clean_shutdown_file), force);
  if (!plan.pods && !plan.images) {
    std::cout << "crio wipe: version file unchanged (no reboot); nothing to wipe\n";
    return 0;
  }
  if (config.root.internal_wipe && !force) {
    std::cout << "crio wipe: internal_wipe is set; crio wipes at start-up\n";
    return 0;
  }
  config::LiveConfig live(config);
  auto image_stack = BuildImageStack(config);
  if (!image_stack.ok()) {
    std::cerr << "crio wipe: " << image_stack.status().message() << "\n";
    return 1;
  }
  auto pod_stack = BuildPodStack(live, ProbeHost(config), *(*image_stack)->images,
                                 (*image_stack)->store->files());
  if (!pod_stack.ok()) {
    std::cerr << "crio wipe: " << pod_stack.status().message() << "\n";
    return 1;
  }
  auto wiped = WipeState(*(*pod_stack)->sandboxes, *(*pod_stack)->layers,
                         plan.images ? (*image_stack)->images.get() : nullptr);
  if (!wiped.ok() || !wiped->first_error.ok()) {
    std::cerr << "crio wipe: "
              << (wiped.ok() ? wiped->first_error.message() : wiped.status().message()) << "\n";
    return 1;
  }
  if (auto released = (*pod_stack)->layers->UnmountHomeIfIdle(); !released.ok()) {
    std::cerr << "crio wipe: " << released.message() << "\n";
  }
  std::cout << "crio wipe: removed " << wiped->pods << " pods"
            << (plan.images ? " and " + std::to_string(wiped->images) + " images" : "") << " ("
            << plan.reason << ")\n";
  return 0;
}

}  // namespace crio
