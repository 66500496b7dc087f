#include "sys/memory_trim.h"

#include <sys/mman.h>

#include <charconv>
#include <sstream>
#include <vector>

#include "common/read_file.h"

namespace crio::sys {
namespace {

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  std::string perms;
  std::string path;
  bool written = false;  // holds anonymous (copied-on-write) pages
};

// The mappings of an smaps file: a header line per mapping, then "Key: value kB" lines.
std::vector<Mapping> ReadMappings(const std::string& smaps) {
  std::vector<Mapping> mappings;
  std::istringstream in(ReadFileToString(smaps).value_or(""));
  for (std::string line; std::getline(in, line);) {
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find(':') > space) {  // a header: "start-end perms offset dev inode [path]"
      Mapping mapping;
      std::from_chars(line.data(), line.data() + dash, mapping.start, 16);
      std::from_chars(line.data() + dash + 1, line.data() + space, mapping.end, 16);
      std::istringstream fields(line.substr(space + 1));
      std::string offset, device, inode;
      fields >> mapping.perms >> offset >> device >> inode >> mapping.path;
      mappings.push_back(std::move(mapping));
      continue;
    }
    if (mappings.empty()) continue;
    // Anonymous pages in a file mapping are copies written to (relocations, for one):
    // dropping them would lose the writes. ("Dirty" counts also page-cache pages not yet
    // written back, which are safe to drop.)
    if (line.starts_with("Anonymous:")) {
      std::istringstream value(line.substr(line.find(':') + 1));
      size_t kilobytes = 0;
      value >> kilobytes;
      if (kilobytes > 0) mappings.back().written = true;
    }
  }
  return mappings;
}

}  // namespace

TrimResult ReleaseCleanFilePages(const std::string& smaps) {
  TrimResult result;
  for (const Mapping& mapping : ReadMappings(smaps)) {
    const bool file = mapping.path.starts_with('/');
    const bool read_only = mapping.perms == "r-xp" || mapping.perms == "r--p";
    if (!file || !read_only || mapping.written || mapping.end <= mapping.start) continue;
    void* const address = reinterpret_cast<void*>(mapping.start);
    const size_t length = mapping.end - mapping.start;
    if (::madvise(address, length, MADV_DONTNEED) != 0) continue;
    ::madvise(address, length, MADV_RANDOM);
    result.mappings += 1;
    result.bytes += length;
  }
  return result;
}

}  // namespace crio::sys
