#include "tests/integration/test_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace crio::testing {

namespace {

constexpr int kSlots = 250;

// Claims a subnet slot no other test process holds: an exclusive flock on a per-slot file,
// released by the kernel when the process ends (even if it crashes).
int ClaimSlot(sys::UniqueFd& lock) {
  for (int i = 0; i < kSlots; ++i) {
    const int slot = static_cast<int>((::getpid() + i) % kSlots) + 1;
    sys::UniqueFd fd(::open(fmt::format("/tmp/.crio-test-subnet-{}.lock", slot).c_str(),
                            O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      lock = std::move(fd);
      return slot;
    }
  }
  return static_cast<int>(::getpid() % kSlots) + 1;  // all taken: hope for the best
}

}  // namespace

TestCniNetwork::TestCniNetwork(const std::string& network_dir, const std::string& data_dir) {
  // One subnet, bridge and host port per test process, whatever runs beside it.
  const int slot = ClaimSlot(slot_lock_);
  slot_ = slot;
  name_ = fmt::format("crio-test-{}", ::getpid());
  bridge_ = fmt::format("crt{}", ::getpid());
  prefix_ = fmt::format("10.201.{}.", slot);
  gateway_ = prefix_ + "1";
  host_port_ = 20000 + slot;
  const std::string conflist = fmt::format(
      R"({{"cniVersion":"1.0.0","name":"{}","plugins":[)"
      R"({{"type":"bridge","bridge":"{}","isGateway":true,"ipMasq":false,"hairpinMode":true,)"
      R"("ipam":{{"type":"host-local","dataDir":"{}","routes":[{{"dst":"0.0.0.0/0"}}],)"
      R"("ranges":[[{{"subnet":"{}0/24"}}]]}}}},)"
      R"({{"type":"portmap","capabilities":{{"portMappings":true}}}}]}})",
      name_, bridge_, data_dir, prefix_);
  std::filesystem::create_directories(network_dir);
  std::ofstream(network_dir + "/10-test.conflist") << conflist;
}

TestCniNetwork::~TestCniNetwork() {
  RunCommand({"ip", "link", "del", bridge_});
  // The subnet is free again: drop the lock file (the flock goes with the fd).
  if (slot_lock_) ::unlink(fmt::format("/tmp/.crio-test-subnet-{}.lock", slot_).c_str());
}

NetnsListener::NetnsListener(const std::string& netns, int port, std::string greeting)
    : greeting_(std::move(greeting)) {
  // setns moves only the calling thread; the socket stays in the namespace it was made in.
  std::thread maker([&] {
    sys::UniqueFd ns(::open(netns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns || ::setns(ns.get(), CLONE_NEWNET) != 0) return;
    sys::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::listen(fd.get(), 16) == 0) {
      socket_ = std::move(fd);
    }
  });
  maker.join();
  if (!socket_) return;
  server_ = std::thread([this] {
    for (;;) {
      pollfd ready{socket_.get(), POLLIN, 0};
      if (::poll(&ready, 1, 100) < 0) return;
      if ((ready.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) return;
      if ((ready.revents & POLLIN) == 0) continue;
      sys::UniqueFd client(::accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) return;
      (void)!::write(client.get(), greeting_.data(), greeting_.size());
    }
  });
}

NetnsListener::~NetnsListener() {
  if (socket_) ::shutdown(socket_.get(), SHUT_RDWR);
  if (server_.joinable()) server_.join();
}

std::string ReadFrom(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  sys::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval limit{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
                .tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return "";
  std::string received;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(fd.get(), buffer, sizeof buffer)) > 0) received.append(buffer, n);
  return received;
}

int CountBridgePorts(const std::string& bridge) {
  const RunResult links = RunCommand({"ip", "-o", "link", "show", "master", bridge});
  return static_cast<int>(std::count(links.out.begin(), links.out.end(), '\n'));
}

int CountNatRules(const std::string& subnet_prefix) {
  const RunResult rules = RunCommand({"iptables", "-t", "nat", "-S"});
  int count = 0;
  std::istringstream lines(rules.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(subnet_prefix) != std::string::npos) ++count;
  }
  return count;
}

}  // namespace crio::testing
