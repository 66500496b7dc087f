// A TCP port on 127.0.0.1 that nobody listens on right now (bound to port 0, read back,
// released), for servers a test starts on a port of its choosing.
#pragma once

namespace crio::testing {

int FreePort();

}  // namespace crio::testing
