// Pod networking for integration tests: a CNI conflist (bridge + host-local + portmap) with
// a bridge name, a subnet (a slot claimed with a lock file, so concurrent tests never share
// one) and host-local data dir of its own, so tests can run in parallel;
// and TCP helpers to listen inside a pod's network namespace and connect from the host.
// The destructor deletes the bridge the plugins created.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "sys/unique_fd.h"

namespace crio::testing {

class TestCniNetwork {
 public:
  // Writes the conflist into `network_dir`; `data_dir` holds host-local's leases.
  TestCniNetwork(const std::string& network_dir, const std::string& data_dir);
  ~TestCniNetwork();

  const std::string& name() const { return name_; }
  const std::string& bridge() const { return bridge_; }
  const std::string& gateway() const { return gateway_; }       // the bridge's IP on the host
  const std::string& subnet_prefix() const { return prefix_; }  // "10.201.7."
  // A host port no other test process uses.
  int host_port() const { return host_port_; }

 private:
  std::string name_;
  std::string bridge_;
  std::string prefix_;
  std::string gateway_;
  int host_port_ = 0;
  int slot_ = 0;
  sys::UniqueFd slot_lock_;  // holds this process's subnet slot
};

// A TCP listener on 0.0.0.0:`port` inside the network namespace pinned at `netns`; each
// accepted connection gets `greeting` and is closed. Stops when destroyed.
class NetnsListener {
 public:
  NetnsListener(const std::string& netns, int port, std::string greeting);
  ~NetnsListener();
  bool ok() const { return socket_.valid(); }

 private:
  sys::UniqueFd socket_;
  std::string greeting_;
  std::thread server_;
};

// Connects to ip:port from the host and returns what the peer sends before closing;
// empty on failure.
std::string ReadFrom(const std::string& ip, int port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(3));

// For leak checks: the links enslaved to `bridge` (pods' veths), and the NAT rules that
// mention an address starting with `subnet_prefix` (portmap's DNAT rules).
int CountBridgePorts(const std::string& bridge);
int CountNatRules(const std::string& subnet_prefix);

}  // namespace crio::testing
