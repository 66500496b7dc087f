#include "config/reload.h"

#include "config/option.h"
#include "fmt/format.h"

namespace crio::config {
namespace {

void ReloadHandlers(RuntimeConfig& live, const RuntimeConfig& fresh,
                    std::vector<std::string>& changes) {
  for (const auto& [name, handler] : fresh.runtimes) {
    const auto existing = live.runtimes.find(name);
    if (existing == live.runtimes.end()) {
      changes.push_back(fmt::format("added runtime handler \"{}\"", name));
    } else if (!(existing->second == handler)) {
      changes.push_back(fmt::format("updated runtime handler \"{}\"", name));
    }
  }
  for (const auto& [name, unused] : live.runtimes) {
    if (!fresh.runtimes.contains(name)) {
      changes.push_back(fmt::format("removed runtime handler \"{}\"", name));
    }
  }
  live.runtimes = fresh.runtimes;
}

}  // namespace

std::vector<std::string> ApplyReload(Config& live, const Config& fresh) {
  std::vector<std::string> changes;
  // Handlers first: default_runtime must always name one that exists. CRI-O's words lead.
  if (live.runtime.runtimes != fresh.runtime.runtimes) {
    changes.push_back("Updating runtime configuration");
  }
  ReloadHandlers(live.runtime, fresh.runtime, changes);
  for (const Option& option : Options()) {
    if (!option.reloadable) continue;
    const Value value = Get(option, fresh);
    if (value == Get(option, live)) continue;
    Set(option, value, live);
    changes.push_back(fmt::format("set config {} to {}", option.key, ToTomlText(value)));
  }
  return changes;
}

}  // namespace crio::config
