#include "oci/spawn.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/read_file.h"
#include "sys/unique_fd.h"

namespace crio::oci {
std::optional<pid_t> ReadPidFile(const std::string& path) {
  auto text = ReadFileToString(path, 64);
  pid_t pid = 0;
  if (!text.ok() ||
      std::from_chars(text->data(), text->data() + text->size(), pid).ec != std::errc() ||
      pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

absl::StatusOr<std::string> MakeExecDir(const std::string& process_json) {
  char pattern[] = "/tmp/crio-exec-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return ErrnoToStatus(errno, "make an exec dir");
  const std::string dir = pattern;
  if (absl::Status written = WriteFileAtomically(dir + "/process.json", process_json, 0600);
      !written.ok()) {
    RemoveExecDir(dir);
    return written;
  }
  return dir;
}

void RemoveExecDir(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace crio::oci
