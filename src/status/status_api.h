// StatusApi: CRI-O's HTTP status API, served on the CRI socket beside gRPC.
//
//   GET /info            JSON: storage driver, storage root, cgroup driver, default id mappings
//   GET /config          the effective configuration as TOML
//   GET /containers/ID   JSON about one container
//   GET /pause/ID        pause a container    GET /unpause/ID   resume it
//
// Errors come back as JSON {"error": "..."} with a matching HTTP status. crio has no
// containers until the containers feature lands, so every container id is unknown (404).
// Thread-safe: it reads only LiveConfig snapshots.
#pragma once

#include <string>

#include "config/live_config.h"
#include "status/http_server.h"

namespace crio::status {

class StatusApi {
 public:
  // `cgroup_driver` is the cgroup manager in effect ("systemd" or "cgroupfs").
  StatusApi(const config::LiveConfig& config, std::string cgroup_driver)
      : config_(config), cgroup_driver_(std::move(cgroup_driver)) {}

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Info() const;
  HttpResponse ConfigToml() const;

  const config::LiveConfig& config_;
  const std::string cgroup_driver_;
};

}  // namespace crio::status
