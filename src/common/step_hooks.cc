#include "common/step_hooks.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace crio {
namespace {

struct StepHooks {
  std::string kill_after;
  std::string delay_after;
  std::chrono::milliseconds delay{0};
};

const StepHooks& Hooks() {
  static const StepHooks hooks = [] {
    StepHooks read;
    if (const char* kill = std::getenv("CRIO_TEST_KILL_AFTER")) read.kill_after = kill;
    if (const char* delay = std::getenv("CRIO_TEST_DELAY_AFTER")) {
      const std::string_view text = delay;
      const size_t colon = text.rfind(':');
      int millis = 0;
      if (colon != std::string_view::npos &&
          std::from_chars(text.data() + colon + 1, text.data() + text.size(), millis).ec ==
              std::errc()) {
        read.delay_after = text.substr(0, colon);
        read.delay = std::chrono::milliseconds(millis);
      }
    }
    return read;
  }();
  return hooks;
}

}  // namespace

void AfterStep(std::string_view step) {
  const StepHooks& hooks = Hooks();
  if (!hooks.delay_after.empty() && step == hooks.delay_after) {
    std::this_thread::sleep_for(hooks.delay);
  }
  if (!hooks.kill_after.empty() && step == hooks.kill_after) ::kill(::getpid(), SIGKILL);
}

}  // namespace crio
