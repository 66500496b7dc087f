// Wiping crio's state after a reboot or an upgrade, as CRI-O does: every pod goes (its
// containers with it) through the normal removal path, and, after an upgrade, the images
// crio's containers were made from. Other tools' containers and images are never touched.
// `crio wipe` does it before crio starts; with internal_wipe (the default) crio does it
// itself at start-up.
//
// A reboot after an unclean shutdown (no clean_shutdown_file) also takes the images, since
// layer files written just before a power loss may not have reached the disk. (CRI-O 1.26
// removes its whole graph root then; crio's root is shared with podman and the other tools,
// and its record files are written atomically, so crio removes only its own part.)
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "config/load.h"
#include "image/images.h"
#include "sandbox/sandboxes.h"
#include "storage/container_rootfs.h"

namespace crio {

// What a wipe removes, and why.
struct WipePlan {
  bool pods = false;
  bool images = false;
  std::string reason;  // "the node rebooted", …; empty when nothing is to go
};

// `crio wipe`'s plan, CRI-O 1.26's rules: nothing unless version_file says the node
// rebooted (a changed version_file_persist alone is an old crio's layout: skipped, as
// CRI-O); then the pods, and the images too after an upgrade or an `unclean` shutdown
// (the last crio did not shut down gracefully). `force` wipes both whatever the files say.
WipePlan PlanWipeCommand(const config::Config& config, bool unclean, bool force);

// internal_wipe's plan at start-up, CRI-O 1.26's rules: an upgrade (version_file_persist)
// takes the pods and the images, a reboot (version_file) the pods, and the images too
// after an `unclean` shutdown.
WipePlan PlanInternalWipe(const config::Config& config, bool unclean);

struct WipeResult {
  int pods = 0;    // removed
  int images = 0;  // removed
  std::vector<std::string> pods_left;  // pods that could not be removed (their network, …)
  absl::Status first_error;            // of a pod or image that could not be removed
};

// Removes every pod, and, when `images` is given, the images crio's containers (as
// `rootfs` records them) were made from; an image another tool's container still uses
// stays. Keeps going past a pod or image that cannot be removed. Fails only when crio's
// record of its containers cannot be read.
absl::StatusOr<WipeResult> WipeState(sandbox::Sandboxes& sandboxes,
                                     storage::ContainerRootfs& rootfs, image::Images* images);

// Retries, in the background, the removal of pods a start-up wipe left (a CNI plugin that
// is not installed yet cannot detach their network): every second for the first 30 tries,
// then every 10 s, until each pod is gone or this is destroyed (which waits for a try in
// progress).
class PodRemovalRetrier {
 public:
  PodRemovalRetrier(sandbox::Sandboxes& sandboxes, std::vector<std::string> pod_ids);
  PodRemovalRetrier(const PodRemovalRetrier&) = delete;
  PodRemovalRetrier& operator=(const PodRemovalRetrier&) = delete;

 private:
  void Run(std::stop_token stop, std::vector<std::string> pod_ids);

  sandbox::Sandboxes& sandboxes_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started once the rest is built, stopped and joined first
};

// The `crio wipe` subcommand: refuses while crio runs; wipes as PlanWipe says, and leaves
// the work to crio when internal_wipe is set (unless `force`). Returns the exit code.
int RunWipe(const config::Loaded& loaded, bool force);

}  // namespace crio
