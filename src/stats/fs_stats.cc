#include "stats/fs_stats.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <sstream>

#include "common/errno_status.h"
#include "common/read_file.h"
#include "fmt/format.h"

namespace crio::stats {

absl::StatusOr<FilesystemInfo> FilesystemLookup::Of(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return ErrnoToStatus(errno, "statvfs " + path);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return ErrnoToStatus(errno, "stat " + path);
  FilesystemInfo found{.device = fmt::format("{}:{}", major(info.st_dev), minor(info.st_dev)),
                       .capacity_bytes = uint64_t{fs.f_blocks} * fs.f_frsize,
                       .inodes_total = fs.f_files,
                       .inodes_free = fs.f_ffree};
  auto known = sources_.find(found.device);
  if (known == sources_.end()) {
    auto text = ReadFileToString(mountinfo_, 16 << 20);
    known =
        sources_.emplace(found.device, text.ok() ? MountSourceOf(*text, found.device) : "").first;
  }
  if (!known->second.empty()) found.device = known->second;
  return found;
}

absl::StatusOr<FilesystemInfo> FilesystemOf(const std::string& path, const std::string& mountinfo) {
  return FilesystemLookup(mountinfo).Of(path);
}

// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
std::string MountSourceOf(const std::string& mountinfo_text, const std::string& major_minor) {
  std::string source;
  std::istringstream lines(mountinfo_text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, device;
    if (!(fields >> id >> parent >> device) || device != major_minor) continue;
    const size_t separator = line.find(" - ");
    if (separator == std::string::npos) continue;
    std::istringstream tail(line.substr(separator + 3));
    std::string type, mount_source;
    if (tail >> type >> mount_source) source = mount_source;
  }
  return source;
}

std::string BlockDeviceName(const std::string& major_minor, const std::string& sys) {
  auto uevent = ReadFileToString(fmt::format("{}/dev/block/{}/uevent", sys, major_minor), 1 << 16);
  if (!uevent.ok()) return major_minor;
  std::istringstream lines(*uevent);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("DEVNAME=")) return "/dev/" + line.substr(8);
  }
  return major_minor;
}

}  // namespace crio::stats
