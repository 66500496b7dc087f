#include "sys/namespaces.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/errno_status.h"
#include "fmt/format.h"
#include "sys/unique_fd.h"
#include "sys/unix_socket.h"

namespace crio::sys {
namespace {

constexpr size_t kChildStackBytes = 64 * 1024;
// The child only writes a few files; far longer than this means it is stuck.
constexpr int kChildReportTimeoutMs = 30'000;

// Everything the clone child needs, prepared before the clone so the child allocates nothing.
struct ChildPlan {
  const char* hostname = nullptr;
  size_t hostname_length = 0;
  std::vector<std::string> sysctl_paths;
  std::vector<std::string> sysctl_values;
  bool loopback_up = false;  // a new network namespace: bring its lo up
  int report_fd = -1;        // child → parent: a Report
  int release_fd = -1;       // parent → child: closed when the pins are in place
};

// What the child tells the parent. step < 0 means success.
struct Report {
  int step = -1;  // 0: sethostname, 1 + i: sysctl i, 1 + sysctl count: loopback
  int error = 0;
};

// A new network namespace's loopback starts down; pods get it up (as CRI-O's CNI layer
// does for every pod), so localhost works inside the pod. 0 or the errno.
int BringLoopbackUp() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  int error = 0;
  if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
    error = errno;
  } else {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) error = errno;
  }
  ::close(fd);
  return error;
}

int ChildMain(void* argument) {
  const auto* plan = static_cast<const ChildPlan*>(argument);
  // The child never execs, so O_CLOEXEC does not apply: close every inherited fd but its
  // two pipe ends. Otherwise it would hold its own release pipe open, and pipes of other
  // threads' children (a concurrent pin's release pipe, a CNI plugin's stdout), stalling them.
  const unsigned low = static_cast<unsigned>(std::min(plan->report_fd, plan->release_fd));
  const unsigned high = static_cast<unsigned>(std::max(plan->report_fd, plan->release_fd));
  ::close_range(3, low - 1, 0);
  ::close_range(low + 1, high - 1, 0);
  ::close_range(high + 1, ~0U, 0);
  Report report;
  if (plan->hostname != nullptr && ::sethostname(plan->hostname, plan->hostname_length) != 0) {
    report = {0, errno};
  }
  for (size_t i = 0; report.step < 0 && i < plan->sysctl_paths.size(); ++i) {
    const int fd = ::open(plan->sysctl_paths[i].c_str(), O_WRONLY | O_CLOEXEC);
    const std::string& value = plan->sysctl_values[i];
    if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
      report = {static_cast<int>(i) + 1, errno};
    }
    if (fd >= 0) ::close(fd);
  }
  if (report.step < 0 && plan->loopback_up) {
    if (const int error = BringLoopbackUp(); error != 0) {
      report = {static_cast<int>(plan->sysctl_paths.size()) + 1, error};
    }
  }
  if (::write(plan->report_fd, &report, sizeof report) != sizeof report) ::_exit(2);
  if (report.step >= 0) ::_exit(1);
  char byte;
  while (::read(plan->release_fd, &byte, 1) < 0 && errno == EINTR) {
  }
  ::_exit(0);
}

std::string SysctlPath(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  return path;
}

std::string PinDir(const std::string& dir, const std::string& kind) {
  return fmt::format("{}/{}ns", dir, kind);
}

// Bind-mounts /proc/PID/ns/KIND onto DIR/KINDns/NAME (an empty file created here).
absl::StatusOr<std::string> Pin(pid_t pid, const std::string& kind, const PinRequest& request) {
  const std::string dir = PinDir(request.dir, kind);
  if (auto made = MakeDirs(dir, 0755); !made.ok()) return made;
  const std::string path = fmt::format("{}/{}", dir, request.name);
  UniqueFd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file) return ErrnoToStatus(errno, "create " + path);
  file.Reset();
  const std::string source = fmt::format("/proc/{}/ns/{}", pid, kind);
  if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    const int error = errno;
    ::unlink(path.c_str());
    return ErrnoToStatus(error, fmt::format("bind {} to {}", source, path));
  }
  return path;
}

void UnpinAll(const PinnedNamespaces& pinned) {
  for (const std::string* path : {&pinned.net, &pinned.ipc, &pinned.uts}) {
    if (!path->empty()) (void)UnpinNamespace(*path);
  }
}

absl::Status PinChildNamespaces(pid_t pid, const PinRequest& request, PinnedNamespaces& pinned) {
  for (auto [wanted, kind, slot] :
       {std::tuple{request.net, "net", &pinned.net}, std::tuple{request.ipc, "ipc", &pinned.ipc},
        std::tuple{request.uts, "uts", &pinned.uts}}) {
    if (!wanted) continue;
    auto path = Pin(pid, kind, request);
    if (!path.ok()) return path.status();
    *slot = *path;
  }
  return absl::OkStatus();
}

absl::Status DescribeFailure(const Report& report, const PinRequest& request) {
  if (report.step == 0) return ErrnoToStatus(report.error, "set the pod hostname");
  if (static_cast<size_t>(report.step) > request.sysctls.size()) {
    return ErrnoToStatus(report.error, "bring up the pod's loopback interface");
  }
  const auto& [key, value] = request.sysctls[static_cast<size_t>(report.step - 1)];
  return ErrnoToStatus(report.error, fmt::format("set sysctl {}={}", key, value));
}

}  // namespace

PinnedNamespaces PinPaths(const std::string& dir, const std::string& name) {
  return {.net = PinDir(dir, "net") + "/" + name,
          .ipc = PinDir(dir, "ipc") + "/" + name,
          .uts = PinDir(dir, "uts") + "/" + name};
}

absl::StatusOr<PinnedNamespaces> PinNamespaces(const PinRequest& request) {
  ChildPlan plan;
  if (!request.hostname.empty() && request.uts) {
    plan.hostname = request.hostname.c_str();
    plan.hostname_length = request.hostname.size();
  }
  for (const auto& [key, value] : request.sysctls) {
    plan.sysctl_paths.push_back(SysctlPath(key));
    plan.sysctl_values.push_back(value);
  }
  plan.loopback_up = request.net;
  int report_pipe[2], release_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
  UniqueFd report_read(report_pipe[0]), report_write(report_pipe[1]);
  if (::pipe2(release_pipe, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
  UniqueFd release_read(release_pipe[0]), release_write(release_pipe[1]);
  plan.report_fd = report_write.get();
  plan.release_fd = release_read.get();

  void* stack = ::mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return ErrnoToStatus(errno, "allocate a clone stack");
  int flags = SIGCHLD;
  if (request.net) flags |= CLONE_NEWNET;
  if (request.ipc) flags |= CLONE_NEWIPC;
  if (request.uts) flags |= CLONE_NEWUTS;
  const pid_t pid = ::clone(ChildMain, static_cast<char*>(stack) + kChildStackBytes, flags, &plan);
  const int clone_error = errno;
  ::munmap(stack, kChildStackBytes);  // the child has its own copy of the mapping
  if (pid < 0) return ErrnoToStatus(clone_error, "clone the namespaces");
  report_write.Reset();
  release_read.Reset();

  Report report;
  ssize_t got = -1;
  pollfd readable{report_read.get(), POLLIN, 0};
  int ready;
  while ((ready = ::poll(&readable, 1, kChildReportTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (ready > 0) {
    while ((got = ::read(report_read.get(), &report, sizeof report)) < 0 && errno == EINTR) {
    }
  } else {
    ::kill(pid, SIGKILL);  // stuck: it cannot be trusted to pin anything
  }
  PinnedNamespaces pinned;
  absl::Status status;
  if (got != sizeof report) {
    status = absl::InternalError("the namespace child died before reporting");
  } else if (report.step >= 0) {
    status = DescribeFailure(report, request);
  } else {
    status = PinChildNamespaces(pid, request, pinned);
  }
  release_write.Reset();  // lets the child exit
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!status.ok()) {
    UnpinAll(pinned);
    return status;
  }
  return pinned;
}

absl::Status UnpinNamespace(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return ErrnoToStatus(errno, "unmount " + path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, "remove " + path);
  }
  return absl::OkStatus();
}

bool IsPinnedNamespace(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

absl::Status JoinMountNamespace(const std::string& path) {
  const UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return ErrnoToStatus(errno, "open " + path);
  struct statfs fs {};
  if (::fstatfs(ns.get(), &fs) != 0 || fs.f_type != NSFS_MAGIC ||
      ::ioctl(ns.get(), NS_GET_NSTYPE) != CLONE_NEWNS) {
    return absl::FailedPreconditionError(
        fmt::format("{} is not a bind mount of a mount namespace", path));
  }
  if (::setns(ns.get(), CLONE_NEWNS) != 0) return ErrnoToStatus(errno, "setns " + path);
  return absl::OkStatus();
}

}  // namespace crio::sys
