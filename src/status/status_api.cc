#include "status/status_api.h"

#include <string_view>

#include "config/render.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::status {
namespace {

using nlohmann::json;

HttpResponse JsonError(int status, const std::string& message) {
  return HttpResponse{.status = status, .body = json{{"error", message}}.dump() + "\n"};
}

// Without user-namespace mappings configured, ids map one to one over the whole range.
json IdentityMappings() {
  return json::array({{{"container_id", 0}, {"host_id", 0}, {"size", 4294967295u}}});
}

// The id after `prefix` in `path`, or empty when `path` does not start with it.
std::string_view IdAfter(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return {};
  return path.substr(prefix.size());
}

}  // namespace

HttpResponse StatusApi::Handle(const HttpRequest& request) const {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (request.method != "GET") {
    HttpResponse response = JsonError(405, fmt::format("method {} not allowed", request.method));
    response.headers["Allow"] = "GET";
    return response;
  }
  if (path == "/info") return Info();
  if (path == "/config") return ConfigToml();
  if (path.starts_with("/debug/")) return Debug(path, request);
  for (const std::string_view prefix : {"/containers/", "/pause/", "/unpause/"}) {
    const std::string id(IdAfter(path, prefix));
    if (id.empty() || id.find('/') != std::string::npos) continue;
    const auto not_found = [&] {
      return JsonError(404, fmt::format("can't find the container with id {}", id));
    };
    if (prefix == "/containers/") {
      if (!containers_.info) return not_found();
      auto info = containers_.info(id);
      if (!info.ok()) return not_found();
      return HttpResponse{.body = info->dump() + "\n"};
    }
    const auto& action = prefix == "/pause/" ? containers_.pause : containers_.unpause;
    if (!action) return not_found();
    const absl::Status done = action(id);
    if (absl::IsNotFound(done)) return not_found();
    if (absl::IsFailedPrecondition(done)) return JsonError(409, std::string(done.message()));
    if (!done.ok()) return JsonError(500, std::string(done.message()));
    return HttpResponse{.body = json{{"id", id}}.dump() + "\n"};
  }
  return JsonError(404, fmt::format("no such endpoint {}", path));
}

HttpResponse StatusApi::Info() const {
  const auto config = config_.Snapshot();
  json handlers = json::array();
  for (const auto& [name, handler] : config->runtime.runtimes) handlers.push_back(name);
  const json info = {
      {"default_runtime", config->runtime.default_runtime},
      {"runtime_handlers", handlers},
      {"storage_driver", config->root.storage_driver},
      {"storage_image", config->root.imagestore},
      {"storage_root", config->root.root},
      {"cgroup_driver", cgroup_driver_},
      {"default_id_mappings", {{"uids", IdentityMappings()}, {"gids", IdentityMappings()}}},
  };
  return HttpResponse{.body = info.dump() + "\n"};
}

HttpResponse StatusApi::Debug(std::string_view path, const HttpRequest& request) const {
  const auto text = [](const std::function<std::string()>& source) {
    return HttpResponse{.content_type = "text/plain; charset=utf-8", .body = source()};
  };
  if (path == "/debug/goroutines" && debug_.goroutines) return text(debug_.goroutines);
  if (path == "/debug/heap" && debug_.heap) return text(debug_.heap);
  if ((path == "/debug/pprof" || path.starts_with("/debug/pprof/")) && debug_.pprof) {
    return debug_.pprof(request);
  }
  return JsonError(404, fmt::format("no such endpoint {}", path));
}

HttpResponse StatusApi::ConfigToml() const {
  return HttpResponse{.content_type = "application/toml",
                      .body = config::Render(*config_.Snapshot())};
}

}  // namespace crio::status
