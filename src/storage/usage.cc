#include "storage/usage.h"

#include <fts.h>
#include <sys/stat.h>

#include <vector>

namespace crio::storage {

Usage DirectoryUsage(const std::string& dir) {
  Usage usage;
  std::vector<char> path(dir.begin(), dir.end());
  path.push_back('\0');
  char* roots[] = {path.data(), nullptr};
  FTS* walk = fts_open(roots, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, nullptr);
  if (walk == nullptr) return usage;
  while (FTSENT* entry = fts_read(walk)) {
    if (entry->fts_level == 0 || entry->fts_info == FTS_DP) continue;
    if (entry->fts_info == FTS_NS || entry->fts_info == FTS_ERR || entry->fts_info == FTS_DNR) {
      continue;
    }
    usage.inodes += 1;
    usage.bytes += static_cast<uint64_t>(entry->fts_statp->st_size);
  }
  fts_close(walk);
  return usage;
}

}  // namespace crio::storage
