#include "testing/detach_mounts.h"

#include <sys/mount.h>

#include <algorithm>
#include <fstream>
#include <vector>

namespace crio::testing {

void DetachMountsUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream table("/proc/self/mounts");
  std::string device, target, rest;
  while (table >> device >> target && std::getline(table, rest)) {
    if (target.starts_with(dir + "/")) mounts.push_back(target);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  for (const std::string& mount : mounts) ::umount2(mount.c_str(), MNT_DETACH);
}

}  // namespace crio::testing
