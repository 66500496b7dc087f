// StatusApi: CRI-O's HTTP status API, served on the CRI socket beside gRPC.
//
//   GET /info            JSON: storage driver, storage root, cgroup driver, default id mappings
//   GET /config          the effective configuration as TOML
//   GET /containers/ID   JSON about one container
//   GET /pause/ID        pause a container    GET /unpause/ID   resume it
//   GET /debug/goroutines every thread's stack, text (CRI-O: every goroutine's)
//   GET /debug/heap      memory statistics, text (CRI-O: a Go heap dump)
//   GET /debug/pprof/... with --enable-profile-unix-socket (diagnostics/pprof_handler.h)
//
// Errors come back as JSON {"error": "..."} with a matching HTTP status (404 for an unknown
// container). Containers are reached through the ContainerAccess callbacks main wires to
// the container domain, and the diagnostics through DebugAccess, so this library stays
// independent of both. Thread-safe when they are.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/live_config.h"
#include "nlohmann/json.hpp"
#include "status/http_server.h"

namespace crio::status {

// What the status API needs of containers; unset members answer 404.
struct ContainerAccess {
  // CRI-O's container info JSON, or NOT_FOUND.
  std::function<absl::StatusOr<nlohmann::json>(const std::string& id)> info;
  std::function<absl::Status(const std::string& id)> pause;
  std::function<absl::Status(const std::string& id)> unpause;
};

// crio's diagnostics; unset members answer 404.
struct DebugAccess {
  std::function<std::string()> goroutines;  // /debug/goroutines
  std::function<std::string()> heap;        // /debug/heap
  HttpHandler pprof;                        // /debug/pprof/...
};

class StatusApi {
 public:
  // `cgroup_driver` is the cgroup manager in effect ("systemd" or "cgroupfs").
  StatusApi(const config::LiveConfig& config, std::string cgroup_driver,
            ContainerAccess containers = {}, DebugAccess debug = {})
      : config_(config),
        cgroup_driver_(std::move(cgroup_driver)),
        containers_(std::move(containers)),
        debug_(std::move(debug)) {}

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Info() const;
  HttpResponse ConfigToml() const;
  HttpResponse Debug(std::string_view path, const HttpRequest& request) const;

  const config::LiveConfig& config_;
  const std::string cgroup_driver_;
  const ContainerAccess containers_;
  const DebugAccess debug_;
};

}  // namespace crio::status
