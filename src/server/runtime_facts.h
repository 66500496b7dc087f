// RuntimeFacts: what crio determined about the host at start-up and reports over CRI.
#pragma once

#include <string>

namespace crio::server {

struct RuntimeFacts {
  // The cgroup manager in effect: "systemd" or "cgroupfs". It differs from the configured
  // one only when systemd was asked for but is not running (see cmd/crio/serve.cc).
  std::string cgroup_manager;
};

}  // namespace crio::server
