// A real, runnable test image from Debian's busybox-static: one layer with /bin/busybox,
// its applets as symlinks, /etc/passwd and /etc/group (root, nobody, www-data), a /pause
// script (so it can serve as pause_image), and the usual empty dirs. Push it with
// LocalRegistry::Push.
#pragma once

#include <string>

namespace crio::testing {

// The gzip layer; empty when /bin/busybox (busybox-static) is not installed.
std::string BusyboxLayer();

}  // namespace crio::testing
