// The nonewprivs stand-in's entrypoint: installed setuid root, it prints its effective uid,
// which stays the caller's when the container runs with no_new_privs.
#include <unistd.h>

#include <cstdio>

int main() {
  std::printf("Effective uid: %d\n", static_cast<int>(geteuid()));
  return 0;
}
