// The rules of crio's built-in RuntimeDefault profile, in the containers seccomp format
// (names, includes/excludes by capability and architecture); ResolveSeccompProfile turns
// them into a container's OCI profile.
//
// They are CRI-O's default profile rule for rule: containers/common's pkg/seccomp default
// (as vendored by CRI-O's main branch in 2026) plus CRI-O's own change that clone, clone3 and
// unshare need CAP_SYS_ADMIN (clone with namespace flags answers EPERM, clone3 ENOSYS so that
// libcs fall back to clone, whose flags seccomp can read). testdata/default_seccomp_profile.json
// holds the same rule set; seccomp_test diffs the two, so a change here is a visible choice.
#include <cstdint>
#include <optional>
#include <vector>

#include "spec/seccomp.h"

namespace crio::spec {
namespace {

using nlohmann::json;

constexpr int kEperm = 1;
constexpr int kEinval = 22;
constexpr int kEnosys = 38;

constexpr uint64_t kAfNetlink = 16;
constexpr uint64_t kNetlinkAudit = 9;
constexpr uint64_t kAfVsock = 40;

constexpr uint64_t kCloneNewns = 0x00020000;
constexpr uint64_t kCloneNewcgroup = 0x02000000;
constexpr uint64_t kCloneNewuts = 0x04000000;
constexpr uint64_t kCloneNewipc = 0x08000000;
constexpr uint64_t kCloneNewuser = 0x10000000;
constexpr uint64_t kCloneNewpid = 0x20000000;
constexpr uint64_t kCloneNewnet = 0x40000000;

struct Arg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  const char* op = "SCMP_CMP_EQ";
};

struct Rule {
  std::vector<const char*> names;
  const char* action = "SCMP_ACT_ALLOW";
  std::optional<int> errno_ret;             // SCMP_ACT_ERRNO only
  std::vector<Arg> args;                    // all must match
  std::vector<const char*> include_caps;    // the container has every one
  std::vector<const char*> exclude_caps;    // the container has none of them
  std::vector<const char*> include_arches;  // GOARCH names: amd64, arm64...
};

Rule Refuse(std::vector<const char*> names, int errno_ret, std::vector<const char*> unless_caps) {
  return {.names = std::move(names),
          .action = "SCMP_ACT_ERRNO",
          .errno_ret = errno_ret,
          .exclude_caps = std::move(unless_caps)};
}

// Allowed with `cap`, EPERM without: the kernel would refuse most of them anyway, but these
// are the calls whose bugs have been container escapes, so they never reach it.
void AddCapabilityPair(std::vector<Rule>& rules, const char* cap, std::vector<const char*> names) {
  rules.push_back({.names = names, .include_caps = {cap}});
  rules.push_back(Refuse(std::move(names), kEperm, {cap}));
}

Arg Eq(unsigned index, uint64_t value) { return {.index = index, .value = value}; }
Arg Ne(unsigned index, uint64_t value) {
  return {.index = index, .value = value, .op = "SCMP_CMP_NE"};
}
Arg HasFlag(uint64_t flag) {
  return {.index = 0, .value = flag, .value_two = flag, .op = "SCMP_CMP_MASKED_EQ"};
}

// Explicitly refused with EPERM (rather than the default ENOSYS): obsolete, host-wide or
// recently added calls not yet reviewed for containers (vmsplice: a long line of privilege
// escalations through its page handling).
// clang-format off
const std::vector<const char*> kRefused = {
    "bdflush", "cachestat", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake",
    "io_pgetevents", "io_pgetevents_time64", "kexec_file_load", "kexec_load",
    "map_shadow_stack", "migrate_pages", "move_pages", "nfsservctl", "nice", "oldfstat",
    "oldlstat", "oldolduname", "oldstat", "olduname", "pciconfig_iobase", "pciconfig_read",
    "pciconfig_write", "sgetmask", "ssetmask", "swapoff", "swapon", "syscall", "sysfs",
    "uselib", "userfaultfd", "ustat", "vm86", "vm86old", "vmsplice"};
// clang-format on

// Allowed to every container. Everything not named in a rule answers ENOSYS: io_uring_* (a
// steady source of kernel exploits, and its rings bypass seccomp), and calls newer than this list.
// clang-format off
const std::vector<const char*> kAllowed = {
    "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
    "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
    "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
    "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
    "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
    "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_init",
    "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32",
    "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
    "fremovexattr", "fsconfig", "fsetxattr", "fsmount", "fsopen", "fspick", "fstat", "fstat64",
    "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
    "futex_time64", "futimesat", "get_mempolicy", "get_robust_list", "get_thread_area",
    "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
    "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername",
    "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
    "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid",
    "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
    "io_destroy", "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set",
    "ipc", "keyctl", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
    "madvise", "mbind", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mount",
    "mount_setattr", "move_mount", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
    "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "open_tree",
    "openat", "openat2", "pause", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe",
    "pipe2", "pivot_root", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
    "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
    "process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64", "ptrace",
    "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv",
    "reboot", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages",
    "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
    "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
    "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
    "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
    "sendto", "set_mempolicy", "set_robust_list", "set_thread_area", "set_tid_address",
    "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
    "setgroups32", "setitimer", "setns", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
    "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr", "shmat", "shmctl",
    "shmdt", "shmget", "shutdown", "sigaltstack", "signal", "signalfd", "signalfd4",
    "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64",
    "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
    "sysinfo", "syslog", "tee", "tgkill", "time", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
    "umount", "umount2", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev"};
// clang-format on

std::vector<Rule> PlainRules() {
  std::vector<Rule> rules = {Refuse(kRefused, kEperm, {}), {.names = kAllowed}};
  // personality: only PER_LINUX, PER_LINUX32, their UNAME26 variants and the query.
  for (const uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    rules.push_back({.names = {"personality"}, .args = {Eq(0, persona)}});
  }
  rules.push_back({.names = {"sync_file_range2", "swapcontext"}, .include_arches = {"ppc64le"}});
  rules.push_back({.names = {"arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush",
                             "set_tls", "sync_file_range2"},
                   .include_arches = {"arm", "arm64"}});
  rules.push_back({.names = {"arch_prctl"}, .include_arches = {"amd64", "x32"}});
  rules.push_back({.names = {"modify_ldt"}, .include_arches = {"amd64", "x32", "x86"}});
  rules.push_back({.names = {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"},
                   .include_arches = {"s390", "s390x"}});
  rules.push_back({.names = {"riscv_flush_icache"}, .include_arches = {"riscv64"}});
  return rules;
}

void AddCapabilityRules(std::vector<Rule>& rules) {
  AddCapabilityPair(rules, "CAP_DAC_READ_SEARCH", {"open_by_handle_at"});  // "shocker"
  rules.push_back({.names = {"bpf", "lookup_dcookie", "perf_event_open", "quotactl", "quotactl_fd",
                             "setdomainname", "sethostname", "setns"},
                   .include_caps = {"CAP_SYS_ADMIN"}});
  rules.push_back(
      Refuse({"lookup_dcookie", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns"},
             kEperm, {"CAP_SYS_ADMIN"}));
  AddCapabilityPair(rules, "CAP_SYS_CHROOT", {"chroot"});
  AddCapabilityPair(rules, "CAP_SYS_MODULE",
                    {"delete_module", "finit_module", "init_module", "query_module"});
  AddCapabilityPair(rules, "CAP_SYS_PACCT", {"acct"});
  AddCapabilityPair(rules, "CAP_SYS_PTRACE", {"kcmp", "process_madvise"});
  AddCapabilityPair(rules, "CAP_SYS_RAWIO", {"ioperm", "iopl"});
  AddCapabilityPair(rules, "CAP_SYS_TIME",
                    {"clock_settime", "clock_settime64", "settimeofday", "stime"});
  AddCapabilityPair(rules, "CAP_SYS_TTY_CONFIG", {"vhangup"});
}

// socket: never AF_VSOCK (the host's hypervisor channel); without CAP_AUDIT_WRITE, no
// NETLINK_AUDIT socket (EINVAL, as a kernel without audit would say).
void AddSocketRules(std::vector<Rule>& rules) {
  rules.push_back({.names = {"socket"},
                   .action = "SCMP_ACT_ERRNO",
                   .errno_ret = kEperm,
                   .args = {Eq(0, kAfVsock)}});
  rules.push_back({.names = {"socket"},
                   .action = "SCMP_ACT_ERRNO",
                   .errno_ret = kEinval,
                   .args = {Eq(0, kAfNetlink), Eq(2, kNetlinkAudit)},
                   .exclude_caps = {"CAP_AUDIT_WRITE"}});
  rules.push_back({.names = {"socket"},
                   .args = {Eq(0, kAfNetlink), Ne(2, kNetlinkAudit)},
                   .exclude_caps = {"CAP_AUDIT_WRITE"}});
  rules.push_back(
      {.names = {"socket"}, .args = {Ne(0, kAfNetlink)}, .exclude_caps = {"CAP_AUDIT_WRITE"}});
  rules.push_back(
      {.names = {"socket"}, .args = {Ne(0, kAfVsock)}, .include_caps = {"CAP_AUDIT_WRITE"}});
}

// bpf and perf_event_open: with CAP_SYS_ADMIN (above) or their own narrower capability.
void AddBpfRules(std::vector<Rule>& rules) {
  rules.push_back(Refuse({"bpf"}, kEperm, {"CAP_SYS_ADMIN", "CAP_BPF"}));
  rules.push_back({.names = {"bpf"}, .include_caps = {"CAP_BPF"}});
  rules.push_back(Refuse({"perf_event_open"}, kEperm, {"CAP_SYS_ADMIN", "CAP_PERFMON"}));
  rules.push_back({.names = {"perf_event_open"}, .include_caps = {"CAP_PERFMON"}});
}

// CRI-O's own: new namespaces only with CAP_SYS_ADMIN.
void AddNamespaceRules(std::vector<Rule>& rules) {
  rules.push_back({.names = {"clone", "clone3", "unshare"}, .include_caps = {"CAP_SYS_ADMIN"}});
  rules.push_back({.names = {"clone"},
                   .args = {{.index = 0,
                             .value = kCloneNewns | kCloneNewuts | kCloneNewipc | kCloneNewuser |
                                      kCloneNewpid | kCloneNewnet | kCloneNewcgroup,
                             .op = "SCMP_CMP_MASKED_EQ"}}});
  // Several conditions on one argument: runc adds each as its own rule, so any flag matches.
  rules.push_back({.names = {"clone"},
                   .action = "SCMP_ACT_ERRNO",
                   .errno_ret = kEperm,
                   .args = {HasFlag(kCloneNewns), HasFlag(kCloneNewuts), HasFlag(kCloneNewipc),
                            HasFlag(kCloneNewuser), HasFlag(kCloneNewpid), HasFlag(kCloneNewnet),
                            HasFlag(kCloneNewcgroup)},
                   .exclude_caps = {"CAP_SYS_ADMIN"}});
  rules.push_back(Refuse({"clone3"}, kEnosys, {"CAP_SYS_ADMIN"}));
}

json RuleJson(const Rule& rule) {
  json out = {{"names", rule.names}, {"action", rule.action}};
  for (const Arg& arg : rule.args) {
    out["args"].push_back(
        {{"index", arg.index}, {"value", arg.value}, {"valueTwo", arg.value_two}, {"op", arg.op}});
  }
  if (rule.errno_ret) out["errnoRet"] = *rule.errno_ret;
  if (!rule.include_caps.empty()) out["includes"]["caps"] = rule.include_caps;
  if (!rule.include_arches.empty()) out["includes"]["arches"] = rule.include_arches;
  if (!rule.exclude_caps.empty()) out["excludes"]["caps"] = rule.exclude_caps;
  return out;
}

json ArchMap() {
  return json::parse(R"([
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    {"architecture": "SCMP_ARCH_MIPS64",
     "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]},
    {"architecture": "SCMP_ARCH_MIPS64N32",
     "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"]},
    {"architecture": "SCMP_ARCH_MIPSEL64",
     "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]},
    {"architecture": "SCMP_ARCH_MIPSEL64N32",
     "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"]},
    {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]}])");
}

json BuildBuiltInProfile() {
  std::vector<Rule> rules = PlainRules();
  AddCapabilityRules(rules);
  AddSocketRules(rules);
  AddBpfRules(rules);
  AddNamespaceRules(rules);
  json syscalls = json::array();
  for (const Rule& rule : rules) syscalls.push_back(RuleJson(rule));
  // Unknown syscalls answer ENOSYS, so programs probing a newer call fall back to an older.
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", kEnosys},
          {"archMap", ArchMap()},
          {"syscalls", syscalls}};
}

}  // namespace

const json& BuiltInSeccompProfile() {
  static const json profile = BuildBuiltInProfile();
  return profile;
}

}  // namespace crio::spec
