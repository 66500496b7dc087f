#include "testing/busybox_image.h"

#include <fstream>
#include <sstream>

#include "testing/tar_builder.h"

namespace crio::testing {

std::string BusyboxLayer() {
  std::ifstream binary("/bin/busybox", std::ios::binary);
  if (!binary) return "";
  std::stringstream content;
  content << binary.rdbuf();
  std::vector<TarEntry> entries;
  for (const char* dir :
       {"bin/", "etc/", "tmp/", "proc/", "sys/", "dev/", "root/", "var/", "var/www/", "home/"}) {
    entries.push_back({.name = dir, .type = kTarDir, .mode = 0755});
  }
  entries.push_back({.name = "bin/busybox", .content = content.str(), .mode = 0755});
  for (const char* applet :
       {"sh",    "sleep",  "echo",  "cat",    "ls",    "id",   "hostname", "nc",
        "httpd", "true",   "false", "env",    "ps",    "wc",   "head",     "yes",
        "stty",  "grep",   "touch", "mkdir",  "rm",    "kill", "dd",       "seq",
        "tail",  "printf", "pwd",   "whoami", "mount", "date", "trap"}) {
    entries.push_back(
        {.name = std::string("bin/") + applet, .type = kTarSymlink, .link = "busybox"});
  }
  // A pause process for pods sharing a PID namespace: PID 1 that exits on SIGTERM.
  entries.push_back({.name = "pause",
                     .content = "#!/bin/sh\ntrap 'exit 0' TERM INT\n"
                                "while true; do sleep 3600 & wait $!; done\n",
                     .mode = 0755});
  entries.push_back({.name = "etc/passwd",
                     .content = "root:x:0:0:root:/root:/bin/sh\n"
                                "www-data:x:33:33:www-data:/var/www:/bin/sh\n"
                                "nobody:x:65534:65534:nobody:/home:/bin/false\n"});
  entries.push_back({.name = "etc/group",
                     .content = "root:x:0:\nwww-data:x:33:\nstaff:x:50:www-data\n"
                                "nogroup:x:65534:\n"});
  return BuildTar(entries, /*gzip=*/true);
}

}  // namespace crio::testing
