#include "spec/seccomp.h"

#include <algorithm>
#include <set>

#include "fmt/format.h"

namespace crio::spec {
namespace {

using nlohmann::json;

constexpr int kEperm = 1;
constexpr int kEnosys = 38;
// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
// CLONE_NEWNET
constexpr uint64_t kNamespaceFlags = 0x7E020000;

// Allowed to every container.
constexpr const char* kAllowed[] = {"accept",
                                    "accept4",
                                    "access",
                                    "adjtimex",
                                    "alarm",
                                    "arch_prctl",
                                    "bind",
                                    "brk",
                                    "cachestat",
                                    "capget",
                                    "capset",
                                    "chdir",
                                    "chmod",
                                    "chown",
                                    "chown32",
                                    "clock_adjtime",
                                    "clock_adjtime64",
                                    "clock_getres",
                                    "clock_getres_time64",
                                    "clock_gettime",
                                    "clock_gettime64",
                                    "clock_nanosleep",
                                    "clock_nanosleep_time64",
                                    "close",
                                    "close_range",
                                    "connect",
                                    "copy_file_range",
                                    "creat",
                                    "dup",
                                    "dup2",
                                    "dup3",
                                    "epoll_create",
                                    "epoll_create1",
                                    "epoll_ctl",
                                    "epoll_ctl_old",
                                    "epoll_pwait",
                                    "epoll_pwait2",
                                    "epoll_wait",
                                    "epoll_wait_old",
                                    "eventfd",
                                    "eventfd2",
                                    "execve",
                                    "execveat",
                                    "exit",
                                    "exit_group",
                                    "faccessat",
                                    "faccessat2",
                                    "fadvise64",
                                    "fadvise64_64",
                                    "fallocate",
                                    "fanotify_mark",
                                    "fchdir",
                                    "fchmod",
                                    "fchmodat",
                                    "fchmodat2",
                                    "fchown",
                                    "fchown32",
                                    "fchownat",
                                    "fcntl",
                                    "fcntl64",
                                    "fdatasync",
                                    "fgetxattr",
                                    "flistxattr",
                                    "flock",
                                    "fork",
                                    "fremovexattr",
                                    "fsetxattr",
                                    "fstat",
                                    "fstat64",
                                    "fstatat64",
                                    "fstatfs",
                                    "fstatfs64",
                                    "fsync",
                                    "ftruncate",
                                    "ftruncate64",
                                    "futex",
                                    "futex_requeue",
                                    "futex_time64",
                                    "futex_wait",
                                    "futex_waitv",
                                    "futex_wake",
                                    "futimesat",
                                    "getcpu",
                                    "getcwd",
                                    "getdents",
                                    "getdents64",
                                    "getegid",
                                    "getegid32",
                                    "geteuid",
                                    "geteuid32",
                                    "getgid",
                                    "getgid32",
                                    "getgroups",
                                    "getgroups32",
                                    "getitimer",
                                    "getpeername",
                                    "getpgid",
                                    "getpgrp",
                                    "getpid",
                                    "getppid",
                                    "getpriority",
                                    "getrandom",
                                    "getresgid",
                                    "getresgid32",
                                    "getresuid",
                                    "getresuid32",
                                    "getrlimit",
                                    "get_robust_list",
                                    "getrusage",
                                    "getsid",
                                    "getsockname",
                                    "getsockopt",
                                    "get_thread_area",
                                    "gettid",
                                    "gettimeofday",
                                    "getuid",
                                    "getuid32",
                                    "getxattr",
                                    "inotify_add_watch",
                                    "inotify_init",
                                    "inotify_init1",
                                    "inotify_rm_watch",
                                    "io_cancel",
                                    "ioctl",
                                    "io_destroy",
                                    "io_getevents",
                                    "io_pgetevents",
                                    "io_pgetevents_time64",
                                    "ioprio_get",
                                    "ioprio_set",
                                    "io_setup",
                                    "io_submit",
                                    "io_uring_enter",
                                    "io_uring_register",
                                    "io_uring_setup",
                                    "ipc",
                                    "kill",
                                    "landlock_add_rule",
                                    "landlock_create_ruleset",
                                    "landlock_restrict_self",
                                    "lchown",
                                    "lchown32",
                                    "lgetxattr",
                                    "link",
                                    "linkat",
                                    "listen",
                                    "listxattr",
                                    "llistxattr",
                                    "_llseek",
                                    "lremovexattr",
                                    "lseek",
                                    "lsetxattr",
                                    "lstat",
                                    "lstat64",
                                    "madvise",
                                    "map_shadow_stack",
                                    "membarrier",
                                    "memfd_create",
                                    "memfd_secret",
                                    "mincore",
                                    "mkdir",
                                    "mkdirat",
                                    "mknod",
                                    "mknodat",
                                    "mlock",
                                    "mlock2",
                                    "mlockall",
                                    "mmap",
                                    "mmap2",
                                    "mprotect",
                                    "mq_getsetattr",
                                    "mq_notify",
                                    "mq_open",
                                    "mq_timedreceive",
                                    "mq_timedreceive_time64",
                                    "mq_timedsend",
                                    "mq_timedsend_time64",
                                    "mq_unlink",
                                    "mremap",
                                    "msgctl",
                                    "msgget",
                                    "msgrcv",
                                    "msgsnd",
                                    "msync",
                                    "munlock",
                                    "munlockall",
                                    "munmap",
                                    "name_to_handle_at",
                                    "nanosleep",
                                    "newfstatat",
                                    "_newselect",
                                    "open",
                                    "openat",
                                    "openat2",
                                    "pause",
                                    "pidfd_open",
                                    "pidfd_send_signal",
                                    "pipe",
                                    "pipe2",
                                    "pkey_alloc",
                                    "pkey_free",
                                    "pkey_mprotect",
                                    "poll",
                                    "ppoll",
                                    "ppoll_time64",
                                    "prctl",
                                    "pread64",
                                    "preadv",
                                    "preadv2",
                                    "prlimit64",
                                    "process_mrelease",
                                    "pselect6",
                                    "pselect6_time64",
                                    "pwrite64",
                                    "pwritev",
                                    "pwritev2",
                                    "read",
                                    "readahead",
                                    "readlink",
                                    "readlinkat",
                                    "readv",
                                    "recv",
                                    "recvfrom",
                                    "recvmmsg",
                                    "recvmmsg_time64",
                                    "recvmsg",
                                    "remap_file_pages",
                                    "removexattr",
                                    "rename",
                                    "renameat",
                                    "renameat2",
                                    "restart_syscall",
                                    "rmdir",
                                    "rseq",
                                    "rt_sigaction",
                                    "rt_sigpending",
                                    "rt_sigprocmask",
                                    "rt_sigqueueinfo",
                                    "rt_sigreturn",
                                    "rt_sigsuspend",
                                    "rt_sigtimedwait",
                                    "rt_sigtimedwait_time64",
                                    "rt_tgsigqueueinfo",
                                    "sched_getaffinity",
                                    "sched_getattr",
                                    "sched_getparam",
                                    "sched_get_priority_max",
                                    "sched_get_priority_min",
                                    "sched_getscheduler",
                                    "sched_rr_get_interval",
                                    "sched_rr_get_interval_time64",
                                    "sched_setaffinity",
                                    "sched_setattr",
                                    "sched_setparam",
                                    "sched_setscheduler",
                                    "sched_yield",
                                    "seccomp",
                                    "select",
                                    "semctl",
                                    "semget",
                                    "semop",
                                    "semtimedop",
                                    "semtimedop_time64",
                                    "send",
                                    "sendfile",
                                    "sendfile64",
                                    "sendmmsg",
                                    "sendmsg",
                                    "sendto",
                                    "setfsgid",
                                    "setfsgid32",
                                    "setfsuid",
                                    "setfsuid32",
                                    "setgid",
                                    "setgid32",
                                    "setgroups",
                                    "setgroups32",
                                    "setitimer",
                                    "setpgid",
                                    "setpriority",
                                    "setregid",
                                    "setregid32",
                                    "setresgid",
                                    "setresgid32",
                                    "setresuid",
                                    "setresuid32",
                                    "setreuid",
                                    "setreuid32",
                                    "setrlimit",
                                    "set_robust_list",
                                    "setsid",
                                    "setsockopt",
                                    "set_thread_area",
                                    "set_tid_address",
                                    "setuid",
                                    "setuid32",
                                    "setxattr",
                                    "shmat",
                                    "shmctl",
                                    "shmdt",
                                    "shmget",
                                    "shutdown",
                                    "sigaltstack",
                                    "signalfd",
                                    "signalfd4",
                                    "sigprocmask",
                                    "sigreturn",
                                    "socket",
                                    "socketcall",
                                    "socketpair",
                                    "splice",
                                    "stat",
                                    "stat64",
                                    "statfs",
                                    "statfs64",
                                    "statx",
                                    "symlink",
                                    "symlinkat",
                                    "sync",
                                    "sync_file_range",
                                    "syncfs",
                                    "sysinfo",
                                    "tee",
                                    "tgkill",
                                    "time",
                                    "timer_create",
                                    "timer_delete",
                                    "timer_getoverrun",
                                    "timer_gettime",
                                    "timer_gettime64",
                                    "timer_settime",
                                    "timer_settime64",
                                    "timerfd_create",
                                    "timerfd_gettime",
                                    "timerfd_gettime64",
                                    "timerfd_settime",
                                    "timerfd_settime64",
                                    "times",
                                    "tkill",
                                    "truncate",
                                    "truncate64",
                                    "ugetrlimit",
                                    "umask",
                                    "uname",
                                    "unlink",
                                    "unlinkat",
                                    "utime",
                                    "utimensat",
                                    "utimensat_time64",
                                    "utimes",
                                    "vfork",
                                    "vmsplice",
                                    "wait4",
                                    "waitid",
                                    "waitpid",
                                    "write",
                                    "writev"};

struct CapabilityRule {
  const char* capability;
  std::vector<const char*> syscalls;
};

// Allowed only with the capability.
const CapabilityRule kCapabilityRules[] = {
    {"CAP_SYS_ADMIN",
     {"bpf",           "clone",         "clone3",      "fanotify_init",   "fsconfig",
      "fsmount",       "fsopen",        "fspick",      "lookup_dcookie",  "mount",
      "mount_setattr", "move_mount",    "open_tree",   "perf_event_open", "quotactl",
      "quotactl_fd",   "setdomainname", "sethostname", "setns",           "syslog",
      "umount",        "umount2",       "unshare"}},
    {"CAP_SYS_BOOT", {"reboot"}},
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_PTRACE",
     {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
    {"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
    {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
    {"CAP_SYSLOG", {"syslog"}},
    {"CAP_BPF", {"bpf"}},
    {"CAP_PERFMON", {"perf_event_open"}},
};

json Rule(std::vector<std::string> names, const char* action) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return {{"names", names}, {"action", action}};
}

bool Has(const std::vector<std::string>& capabilities, const std::string& capability) {
  return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

}  // namespace

json DefaultSeccompProfile(const std::vector<std::string>& capabilities) {
  std::vector<std::string> allowed(std::begin(kAllowed), std::end(kAllowed));
  for (const CapabilityRule& rule : kCapabilityRules) {
    if (Has(capabilities, rule.capability)) {
      allowed.insert(allowed.end(), rule.syscalls.begin(), rule.syscalls.end());
    }
  }
  json syscalls = json::array({Rule(allowed, "SCMP_ACT_ALLOW")});
  // personality: only the harmless domains (PER_LINUX, PER_LINUX32, UNAME26 variants, query).
  for (const uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    syscalls.push_back({{"names", {"personality"}},
                        {"action", "SCMP_ACT_ALLOW"},
                        {"args", {{{"index", 0}, {"value", persona}, {"op", "SCMP_CMP_EQ"}}}}});
  }
  if (!Has(capabilities, "CAP_SYS_ADMIN")) {
    // clone without namespace flags; clone3 cannot be inspected, so it says "not here" and
    // libcs fall back to clone.
    syscalls.push_back({{"names", {"clone"}},
                        {"action", "SCMP_ACT_ALLOW"},
                        {"args",
                         {{{"index", 0},
                           {"value", kNamespaceFlags},
                           {"valueTwo", 0},
                           {"op", "SCMP_CMP_MASKED_EQ"}}}}});
    syscalls.push_back(
        {{"names", {"clone3"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", kEnosys}});
  }
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", kEperm},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
          {"syscalls", syscalls}};
}

absl::StatusOr<json> ParseSeccompProfile(const std::string& text,
                                         const std::vector<std::string>& capabilities) {
  const json profile = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!profile.is_object()) return absl::InvalidArgumentError("seccomp profile is not JSON");
  if (!profile.contains("defaultAction") || !profile["defaultAction"].is_string()) {
    return absl::InvalidArgumentError("seccomp profile has no defaultAction");
  }
  json out = {{"defaultAction", profile["defaultAction"]}};
  if (profile.contains("defaultErrnoRet")) out["defaultErrnoRet"] = profile["defaultErrnoRet"];
  std::set<std::string> architectures;
  if (profile.contains("architectures") && profile["architectures"].is_array()) {
    for (const json& arch : profile["architectures"]) architectures.insert(arch.get<std::string>());
  }
  if (profile.contains("archMap") && profile["archMap"].is_array()) {
    for (const json& entry : profile["archMap"]) {
      architectures.insert(entry.value("architecture", ""));
      for (const json& sub : entry.value("subArchitectures", json::array())) {
        architectures.insert(sub.get<std::string>());
      }
    }
  }
  architectures.erase("");
  if (!architectures.empty()) out["architectures"] = architectures;
  json syscalls = json::array();
  for (const json& rule : profile.value("syscalls", json::array())) {
    if (!rule.is_object() || !rule.contains("action")) {
      return absl::InvalidArgumentError("seccomp profile: a syscall rule has no action");
    }
    auto caps_of = [&](const char* key) {
      return rule.contains(key) && rule[key].is_object() ? rule[key].value("caps", json::array())
                                                         : json::array();
    };
    const json includes = caps_of("includes"), excludes = caps_of("excludes");
    const bool included = std::all_of(includes.begin(), includes.end(), [&](const json& cap) {
      return cap.is_string() && Has(capabilities, cap.get<std::string>());
    });
    const bool excluded = std::any_of(excludes.begin(), excludes.end(), [&](const json& cap) {
      return cap.is_string() && Has(capabilities, cap.get<std::string>());
    });
    if (!included || excluded) continue;
    json kept = rule;
    for (const char* key : {"includes", "excludes", "comment"}) kept.erase(key);
    if (kept.contains("name") && !kept.contains("names")) {  // the older single-name form
      kept["names"] = json::array({kept["name"]});
      kept.erase("name");
    }
    syscalls.push_back(kept);
  }
  out["syscalls"] = syscalls;
  return out;
}

}  // namespace crio::spec
