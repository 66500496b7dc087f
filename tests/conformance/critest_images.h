// Stand-ins for the images the CRI validation suite (critest v1.26.1) pulls from
// registry.k8s.io and gcr.io, built from Debian packages so the suite runs offline: Debian's
// dynamic busybox with its applets as hard links (the MaskedPaths spec masks /bin/ls and
// expects `sh` to keep working), Debian's nginx, a busybox httpd that logs apache's command
// line, a setuid-root program for the NoNewPrivs specs, and busybox images that differ only
// in their User or a marker file. ../shared/reference/critest-images.md lists what each one
// must hold. The suite itself never enters this repository.
#pragma once

#include <string>
#include <vector>

#include "testing/local_registry.h"

namespace crio::testing {

struct StandInImage {
  std::string name;  // as critest names it: "registry.k8s.io/e2e-test-images/busybox"
  std::string tag;
  std::vector<std::string> layers;  // gzip tars, bottom first
  ImageConfig config;
};

// Where the stand-ins' programs come from: `debian_root` holds Debian's `busybox` and `nginx`
// packages unpacked with `dpkg-deb -x`; their shared libraries are taken from this host.
// `setuid_program` and `pause_program` are the built nonewprivs and pause stand-ins;
// `pause_image` names the pod infra image the daemon is configured with.
struct StandInSources {
  std::string debian_root;
  std::string setuid_program;
  std::string pause_program;
  std::string pause_image;
};

// Every stand-in, or an error message in `error` (and an empty list) when a source is missing.
std::vector<StandInImage> CritestStandIns(const StandInSources& sources, std::string* error);

}  // namespace crio::testing
