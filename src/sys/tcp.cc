#include "sys/tcp.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <system_error>
#include <thread>

#include "common/errno_status.h"
#include "fmt/format.h"

namespace crio::sys {
namespace {

using AddressList = std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>;

absl::StatusOr<AddressList> Resolve(const std::string& host, int port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int error =
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      error != 0) {
    return absl::InvalidArgumentError(
        fmt::format("address \"{}\" port {}: {}", host, port, ::gai_strerror(error)));
  }
  return AddressList(found, &::freeaddrinfo);
}

// Connects to the first of `addresses` that answers.
absl::StatusOr<UniqueFd> ConnectFirst(const addrinfo* addresses, const std::string& what) {
  int error = ECONNREFUSED;
  for (const addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    UniqueFd fd(::socket(address->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return ErrnoToStatus(errno, "make a TCP socket");
    if (::connect(fd.get(), address->ai_addr, address->ai_addrlen) == 0) return fd;
    error = errno;
  }
  return ErrnoToStatus(error, "connect to " + what);
}

}  // namespace

absl::StatusOr<UniqueFd> ListenTcp(const std::string& host, int port, int backlog) {
  auto addresses = Resolve(host, port, AI_PASSIVE);
  if (!addresses.ok()) return addresses.status();
  const addrinfo* address = addresses->get();
  UniqueFd fd(::socket(address->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoToStatus(errno, "make a TCP socket");
  const int yes = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (::bind(fd.get(), address->ai_addr, address->ai_addrlen) != 0) {
    return ErrnoToStatus(errno, fmt::format("listen on {}:{}", host, port));
  }
  if (::listen(fd.get(), backlog) != 0) return ErrnoToStatus(errno, "listen");
  return fd;
}

int BoundPort(int socket) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  return 0;
}

absl::StatusOr<UniqueFd> ConnectTcp(const std::string& host, int port) {
  auto addresses = Resolve(host, port, 0);
  if (!addresses.ok()) return addresses.status();
  return ConnectFirst(addresses->get(), fmt::format("{}:{}", host, port));
}

absl::StatusOr<UniqueFd> ConnectLocalPortIn(const std::string& netns_path, int port) {
  UniqueFd netns;
  if (!netns_path.empty()) {
    netns.Reset(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return ErrnoToStatus(errno, "open " + netns_path);
  }
  absl::StatusOr<UniqueFd> connected = absl::UnknownError("not connected");
  // A thread of its own enters the namespace; it ends there, so no other work runs in it.
  const auto dial = [&] {
    if (netns && ::setns(netns.get(), CLONE_NEWNET) != 0) {
      connected = ErrnoToStatus(errno, "enter " + netns_path);
      return;
    }
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    v6.sin6_addr = in6addr_loopback;
    int error = 0;
    for (const auto& [family, address, length] :
         {std::tuple{AF_INET, reinterpret_cast<sockaddr*>(&v4), socklen_t{sizeof v4}},
          std::tuple{AF_INET6, reinterpret_cast<sockaddr*>(&v6), socklen_t{sizeof v6}}}) {
      UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (fd && ::connect(fd.get(), address, length) == 0) {
        connected = std::move(fd);
        return;
      }
      if (error == 0) error = errno;
    }
    connected = ErrnoToStatus(error, fmt::format("connect to localhost:{}", port));
  };
  try {
    std::thread(dial).join();
  } catch (const std::system_error& refused) {
    // No thread to spare (EAGAIN): this dial fails, the daemon does not abort.
    return absl::ResourceExhaustedError(
        fmt::format("connect to localhost:{}: cannot start a thread: {}", port, refused.what()));
  }
  return connected;
}

}  // namespace crio::sys
