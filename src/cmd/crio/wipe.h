// Wiping crio's state after a reboot or an upgrade, as CRI-O does: every pod goes (its
// containers with it) through the normal removal path, and, after an upgrade, every image.
// `crio wipe` does it before crio starts; with internal_wipe (the default) crio does it
// itself at start-up.
#pragma once

#include "absl/status/statusor.h"
#include "config/load.h"
#include "image/images.h"
#include "sandbox/sandboxes.h"

namespace crio {

struct WipeCounts {
  int pods = 0;
  int images = 0;
};

// Removes every pod, and every image when `images` is given. Keeps going past a pod or
// image that cannot be removed; the first such error is returned with the counts lost.
absl::StatusOr<WipeCounts> WipeState(sandbox::Sandboxes& sandboxes, image::Images* images);

// The `crio wipe` subcommand: refuses while crio runs; without `force`, wipes only when the
// version files say the node rebooted (pods) or crio was upgraded (pods and images), and
// leaves the work to crio when internal_wipe is set. Returns the exit code.
int RunWipe(const config::Loaded& loaded, bool force);

}  // namespace crio
