// RuntimeHandlers: the configured OCI runtime handlers by name ([crio.runtime.runtimes]),
// the default one under the empty name too. Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oci/oci_runtime.h"

namespace crio::oci {

class RuntimeHandlers {
 public:
  RuntimeHandlers(std::map<std::string, std::unique_ptr<OciRuntime>> handlers,
                  std::string default_handler)
      : handlers_(std::move(handlers)), default_(std::move(default_handler)) {}

  // The handler `name` names ("" for the default); NOT_FOUND when it is not configured.
  absl::StatusOr<OciRuntime*> Get(const std::string& name) const {
    auto found = handlers_.find(name.empty() ? default_ : name);
    if (found == handlers_.end()) {
      return absl::NotFoundError("runtime handler \"" + name + "\" is not configured");
    }
    return found->second.get();
  }

  // Every configured handler once, the default included.
  std::vector<OciRuntime*> All() const {
    std::vector<OciRuntime*> all;
    for (const auto& [name, runtime] : handlers_) all.push_back(runtime.get());
    return all;
  }

 private:
  const std::map<std::string, std::unique_ptr<OciRuntime>> handlers_;
  const std::string default_;
};

}  // namespace crio::oci
