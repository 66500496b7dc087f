#include "cmd/crio/wipe.h"

#include <iostream>

#include "cmd/crio/image_stack.h"
#include "cmd/crio/pod_stack.h"
#include "cmd/crio/run_marks.h"
#include "common/log.h"
#include "common/strings.h"
#include "config/live_config.h"
#include "sys/unix_socket.h"
#include "version.h"

namespace crio {

absl::StatusOr<WipeCounts> WipeState(sandbox::Sandboxes& sandboxes, image::Images* images) {
  WipeCounts counts;
  absl::Status first_error;
  for (const sandbox::Sandbox& pod : sandboxes.List({})) {
    if (auto removed = sandboxes.Remove(pod.id); !removed.ok()) {
      log::Warn("wipe: pod {}: {}", pod.id, AsStd(removed.message()));
      if (first_error.ok()) first_error = removed;
      continue;
    }
    ++counts.pods;
  }
  if (images != nullptr) {
    auto listed = images->List();
    if (!listed.ok()) return listed.status();
    for (const storage::ImageRecord& image : *listed) {
      if (auto removed = images->Remove(image.id); !removed.ok()) {
        log::Warn("wipe: image {}: {}", image.id, AsStd(removed.message()));
        if (first_error.ok()) first_error = removed;
        continue;
      }
      ++counts.images;
    }
  }
  if (!first_error.ok()) return first_error;
  return counts;
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
  const bool rebooted = force || VersionChanged(config.root.version_file, kVersion);
  const bool upgraded = force || VersionChanged(config.root.version_file_persist, kVersion);
  if (UncleanShutdown(config.root.clean_shutdown_file)) {
    std::cout << "crio wipe: crio did not shut down cleanly; its storage is crash-safe and is "
                 "checked when crio starts, so it is kept\n";
  }
  if (!rebooted && !upgraded) {
    std::cout << "crio wipe: version files unchanged (no reboot, no upgrade); nothing to wipe\n";
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
  auto wiped =
      WipeState(*(*pod_stack)->sandboxes, upgraded ? (*image_stack)->images.get() : nullptr);
  if (!wiped.ok()) {
    std::cerr << "crio wipe: " << wiped.status().message() << "\n";
    return 1;
  }
  if (auto released = (*pod_stack)->layers->UnmountHomeIfIdle(); !released.ok()) {
    std::cerr << "crio wipe: " << released.message() << "\n";
  }
  std::cout << "crio wipe: removed " << wiped->pods << " pods" << (upgraded ? " and " : "")
            << (upgraded ? std::to_string(wiped->images) + " images" : "") << "\n";
  return 0;
}

}  // namespace crio
