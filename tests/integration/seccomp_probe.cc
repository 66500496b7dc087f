// A container-side probe for the seccomp integration tests: makes the calls crio's default
// profile refuses and prints, per call, "NAME errno=N" (or "NAME ok") on stdout. Static, so
// it runs in any image. The arguments are harmless: without seccomp each call fails on its
// own terms (EFAULT, EBADF, EAFNOSUPPORT) or succeeds, never with the profile's answers.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace {

constexpr int kAfVsock = 40;
constexpr int kNetlinkAudit = 9;

void Report(const char* name, long result) {
  if (result >= 0) {
    std::printf("%s ok\n", name);
  } else {
    std::printf("%s errno=%d\n", name, errno);
  }
}

}  // namespace

int main() {
  Report("io_uring_setup", syscall(SYS_io_uring_setup, 1, nullptr));
  iovec none{};
  Report("vmsplice", syscall(SYS_vmsplice, -1, &none, 1, 0));
  Report("socket_vsock", socket(kAfVsock, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Report("socket_audit", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, kNetlinkAudit));
  Report("socket_inet", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  std::fflush(stdout);
  return 0;
}
