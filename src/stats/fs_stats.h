// The filesystem a container's writable layer lives on (container_fs_* metrics): its
// device, as /proc/self/mountinfo names the mount's source, and its size and inodes from
// statvfs; and the /dev name of a block device known by "major:minor" (blkio metrics).
// FilesystemLookup remembers what it read for one collection; the functions are stateless
// and thread-safe. The roots are parameters so tests can use fake files.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace crio::stats {

struct FilesystemInfo {
  std::string device;  // the mount's source ("/dev/sda1"), else "major:minor"
  uint64_t capacity_bytes = 0;
  uint64_t inodes_total = 0;
  uint64_t inodes_free = 0;
};

// The filesystems holding paths, for one collection over many containers: each device's
// mount source is looked up once (mountinfo grows with the containers, so reading it per
// container would make a collection quadratic). Not thread-safe; short-lived.
class FilesystemLookup {
 public:
  explicit FilesystemLookup(std::string mountinfo = "/proc/self/mountinfo")
      : mountinfo_(std::move(mountinfo)) {}

  // The filesystem holding `path`.
  absl::StatusOr<FilesystemInfo> Of(const std::string& path);

 private:
  const std::string mountinfo_;
  std::map<std::string, std::string> sources_;  // by "major:minor"
};

// The filesystem holding `path`.
absl::StatusOr<FilesystemInfo> FilesystemOf(const std::string& path,
                                            const std::string& mountinfo = "/proc/self/mountinfo");

// The source of the last mount of device `major_minor` in mountinfo text; empty if none.
std::string MountSourceOf(const std::string& mountinfo_text, const std::string& major_minor);

// "/dev/NAME" for the block device `major_minor` ("8:0"), from SYS/dev/block/8:0/uevent;
// `major_minor` itself when unknown.
std::string BlockDeviceName(const std::string& major_minor, const std::string& sys = "/sys");

}  // namespace crio::stats
