#include "common/rollback.h"

#include "common/log.h"
#include "common/strings.h"

namespace crio {

void Rollback::Run() {
  bool clean = true;
  for (auto step = steps_.rbegin(); step != steps_.rend(); ++step) {
    if (step->if_clean && !clean) {
      log::Error(
          "Rollback: did not {}, since a later step could not be undone; crio's next "
          "start-up finishes it",
          step->what);
      continue;
    }
    const absl::Status undone = step->undo();
    if (!undone.ok()) {
      clean = false;
      log::Error("Rollback: could not {}, it is left behind: {}", step->what,
                 AsStd(undone.message()));
    }
  }
  steps_.clear();
}

}  // namespace crio
