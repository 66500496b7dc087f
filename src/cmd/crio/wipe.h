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

#include <string>

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

struct WipeCounts {
  int pods = 0;
  int images = 0;
};

// Removes every pod, and, when `images` is given, the images crio's containers (as
// `rootfs` records them) were made from; an image another tool's container still uses
// stays. Keeps going past a pod or image that cannot be removed; the first such error is
// returned with the counts lost.
absl::StatusOr<WipeCounts> WipeState(sandbox::Sandboxes& sandboxes,
                                     storage::ContainerRootfs& rootfs, image::Images* images);

// The `crio wipe` subcommand: refuses while crio runs; wipes as PlanWipe says, and leaves
// the work to crio when internal_wipe is set (unless `force`). Returns the exit code.
int RunWipe(const config::Loaded& loaded, bool force);

}  // namespace crio
