#include "sys/cgroups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <sstream>
#include <string_view>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "sys/unique_fd.h"

namespace crio::sys {
namespace {

constexpr uint64_t kMaxCgroupFile = 64 << 10;

bool Has(const CgroupHierarchy& hierarchy, std::string_view controller) {
  return std::find(hierarchy.controllers.begin(), hierarchy.controllers.end(), controller) !=
         hierarchy.controllers.end();
}

absl::Status WriteCgroupFile(const std::string& file, std::string_view value) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return ErrnoToStatus(errno, "open " + file);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return ErrnoToStatus(errno, fmt::format("write \"{}\" to {}", value, file));
  }
  return absl::OkStatus();
}

// A new v1 cpuset cgroup has no cpus and mems: it takes its parent's.
absl::Status InheritCpuset(const std::string& dir) {
  const std::string parent = dir.substr(0, dir.rfind('/'));
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    ASSIGN_OR_RETURN(const std::string own, ReadFileToString(dir + "/" + file, kMaxCgroupFile));
    if (!TrimSpace(own).empty()) continue;
    ASSIGN_OR_RETURN(const std::string inherited,
                     ReadFileToString(parent + "/" + file, kMaxCgroupFile));
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/" + file, TrimSpace(inherited)));
  }
  return absl::OkStatus();
}

// v2: a child may use a controller only once its parent delegates it.
absl::Status EnableInSubtree(const std::string& parent, std::string_view controller) {
  ASSIGN_OR_RETURN(const std::string enabled,
                   ReadFileToString(parent + "/cgroup.subtree_control", kMaxCgroupFile));
  for (std::string_view name : SplitTrimmed(enabled, ' ')) {
    if (name == controller) return absl::OkStatus();
  }
  return WriteCgroupFile(parent + "/cgroup.subtree_control", fmt::format("+{}", controller));
}

// Makes `path` below `hierarchy`'s root, level by level; returns the leaf's directory.
absl::StatusOr<std::string> MakeCgroup(const CgroupHierarchy& hierarchy, const std::string& path,
                                       const std::vector<std::string_view>& v2_controllers) {
  std::string dir = hierarchy.mount_point;
  for (std::string_view part : SplitTrimmed(path, '/')) {
    if (part == "." || part == "..") {
      return absl::InvalidArgumentError(fmt::format("cgroup path \"{}\" is not plain", path));
    }
    if (hierarchy.v2) {
      for (std::string_view controller : v2_controllers) {
        RETURN_IF_ERROR(EnableInSubtree(dir, controller));
      }
    }
    dir += "/";
    dir += part;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, "mkdir " + dir);
    }
    if (Has(hierarchy, "cpuset")) RETURN_IF_ERROR(InheritCpuset(dir));
  }
  return dir;
}

absl::Status ApplyCpu(const CgroupHierarchy& hierarchy, const std::string& dir,
                      const CgroupCpu& cpu) {
  if (!cpu.cpuset.empty() && Has(hierarchy, "cpuset")) {
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cpuset.cpus", cpu.cpuset));
  }
  if (cpu.shares != 0 && Has(hierarchy, "cpu")) {
    RETURN_IF_ERROR(hierarchy.v2
                        ? WriteCgroupFile(dir + "/cpu.weight",
                                          std::to_string(SharesToWeight(cpu.shares)))
                        : WriteCgroupFile(dir + "/cpu.shares", std::to_string(cpu.shares)));
  }
  return absl::OkStatus();
}

// The controllers the v2 root offers: what its children may be given.
std::vector<std::string> V2Controllers(const std::string& mount_point) {
  const std::string text =
      ReadFileToString(mount_point + "/cgroup.controllers", kMaxCgroupFile).value_or("");
  const std::vector<std::string_view> names = SplitTrimmed(text, ' ');  // non-empty parts
  return {names.begin(), names.end()};
}

}  // namespace

std::vector<CgroupHierarchy> ParseCgroupMounts(const std::string& mountinfo) {
  std::vector<CgroupHierarchy> hierarchies;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER_OPTIONS
    const size_t separator = line.find(" - ");
    if (separator == std::string::npos) continue;
    const std::string_view text = line;
    const std::vector<std::string_view> before = SplitTrimmed(text.substr(0, separator), ' ');
    const std::vector<std::string_view> after = SplitTrimmed(text.substr(separator + 3), ' ');
    if (before.size() < 5 || after.size() < 3) continue;
    CgroupHierarchy hierarchy{.mount_point = std::string(before[4])};
    if (after[0] == "cgroup2") {
      hierarchy.v2 = true;
      hierarchy.controllers = V2Controllers(hierarchy.mount_point);
    } else if (after[0] == "cgroup") {
      for (std::string_view option : SplitTrimmed(after[2], ',')) {
        if (option != "rw" && option != "ro" && !option.starts_with("release_agent=") &&
            option != "clone_children" && option != "noprefix" && option != "xattr") {
          hierarchy.controllers.emplace_back(option);
        }
      }
    } else {
      continue;
    }
    hierarchies.push_back(std::move(hierarchy));
  }
  return hierarchies;
}

absl::StatusOr<std::vector<CgroupHierarchy>> MountedCgroupHierarchies() {
  ASSIGN_OR_RETURN(const std::string mountinfo,
                   ReadFileToString("/proc/self/mountinfo", 16 << 20));
  return ParseCgroupMounts(mountinfo);
}

uint64_t SharesToWeight(uint64_t shares) {
  if (shares < 2) shares = 2;
  return 1 + ((shares - 2) * 9999) / 262142;
}

absl::Status PlaceInNewCgroup(pid_t pid, const std::string& path, const CgroupCpu& cpu,
                              const std::vector<CgroupHierarchy>& hierarchies) {
  if (hierarchies.empty()) return absl::FailedPreconditionError("no cgroup hierarchy is mounted");
  for (const CgroupHierarchy& hierarchy : hierarchies) {
    std::vector<std::string_view> v2_controllers;
    if (hierarchy.v2) {
      if (!cpu.cpuset.empty() && Has(hierarchy, "cpuset")) v2_controllers.push_back("cpuset");
      if (cpu.shares != 0 && Has(hierarchy, "cpu")) v2_controllers.push_back("cpu");
    }
    ASSIGN_OR_RETURN(const std::string dir, MakeCgroup(hierarchy, path, v2_controllers));
    RETURN_IF_ERROR(ApplyCpu(hierarchy, dir, cpu));
    RETURN_IF_ERROR(WriteCgroupFile(dir + "/cgroup.procs", std::to_string(pid)));
  }
  return absl::OkStatus();
}

std::string CgroupfsChild(std::string_view parent, std::string_view child) {
  while (parent.starts_with('/')) parent.remove_prefix(1);
  while (parent.ends_with('/')) parent.remove_suffix(1);
  return parent.empty() ? fmt::format("/{}", child) : fmt::format("/{}/{}", parent, child);
}

absl::Status MakeIdleCgroup(const std::string& path,
                            const std::vector<CgroupHierarchy>& hierarchies) {
  if (hierarchies.empty()) return absl::FailedPreconditionError("no cgroup hierarchy is mounted");
  for (const CgroupHierarchy& hierarchy : hierarchies) {
    ASSIGN_OR_RETURN(const std::string dir, MakeCgroup(hierarchy, path, {}));
    if (!hierarchy.v2 && Has(hierarchy, "cpuset")) {
      RETURN_IF_ERROR(WriteCgroupFile(dir + "/cpuset.sched_load_balance", "0"));
    }
  }
  return absl::OkStatus();
}

absl::Status RemoveCgroup(const std::string& path,
                          const std::vector<CgroupHierarchy>& hierarchies) {
  if (path.find("..") != std::string::npos) {
    return absl::InvalidArgumentError(fmt::format("cgroup path \"{}\" is not plain", path));
  }
  absl::Status removed;
  for (const CgroupHierarchy& hierarchy : hierarchies) {
    const std::string dir = hierarchy.mount_point + "/" + path;
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
    removed.Update(errno == EBUSY ? absl::FailedPreconditionError(fmt::format(
                                        "cgroup {} still holds processes or cgroups", dir))
                                  : ErrnoToStatus(errno, "rmdir " + dir));
  }
  return removed;
}

std::vector<pid_t> CgroupProcesses(const std::string& path,
                                   const std::vector<CgroupHierarchy>& hierarchies) {
  std::vector<pid_t> pids;
  for (const CgroupHierarchy& hierarchy : hierarchies) {
    const auto procs =
        ReadFileToString(hierarchy.mount_point + "/" + path + "/cgroup.procs", 1 << 20);
    if (!procs.ok()) continue;
    for (std::string_view line : SplitTrimmed(*procs, '\n')) {
      pid_t pid = 0;
      if (std::from_chars(line.data(), line.data() + line.size(), pid).ec == std::errc() &&
          pid > 0 && std::find(pids.begin(), pids.end(), pid) == pids.end()) {
        pids.push_back(pid);
      }
    }
  }
  return pids;
}

absl::StatusOr<std::string> SlicePath(const std::string& slice) {
  constexpr std::string_view kSuffix = ".slice";
  if (!slice.ends_with(kSuffix) || slice.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(fmt::format("\"{}\" is not a systemd slice", slice));
  }
  if (slice == "-.slice") return std::string("/");
  const std::string name = slice.substr(0, slice.size() - kSuffix.size());
  if (name.empty() || name.starts_with('-') || name.ends_with('-') ||
      name.find("--") != std::string::npos) {
    return absl::InvalidArgumentError(fmt::format("\"{}\" is not a valid slice name", slice));
  }
  // Each dash opens a level: a-b-c.slice lives in a.slice/a-b.slice/a-b-c.slice.
  std::string path;
  for (size_t dash = name.find('-'); dash != std::string::npos; dash = name.find('-', dash + 1)) {
    path += fmt::format("/{}{}", name.substr(0, dash), kSuffix);
  }
  return path + "/" + slice;
}

}  // namespace crio::sys
