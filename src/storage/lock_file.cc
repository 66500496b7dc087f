#include "storage/lock_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/errno_status.h"
#include "fmt/format.h"

namespace crio::storage {
namespace {

constexpr size_t kTokenBytes = 64;

absl::Status SetLock(int fd, short type, const std::string& path) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;  // the whole file
  while (::fcntl(fd, F_SETLKW, &lock) != 0) {
    if (errno != EINTR) return ErrnoToStatus(errno, fmt::format("lock {}", path));
  }
  return absl::OkStatus();
}

void PutLittleEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// The time in nanoseconds, this process's count of touches, its pid, then random bytes:
// unique across processes and restarts without coordination.
std::string NewToken(uint64_t touches) {
  std::string token;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  PutLittleEndian(token, std::chrono::duration_cast<std::chrono::nanoseconds>(now).count(), 8);
  PutLittleEndian(token, touches, 8);
  PutLittleEndian(token, static_cast<uint64_t>(::getpid()), 4);
  std::string random(kTokenBytes - token.size(), '\0');
  size_t filled = 0;
  while (filled < random.size()) {
    const ssize_t n = ::getrandom(random.data() + filled, random.size() - filled, 0);
    if (n > 0) filled += static_cast<size_t>(n);
  }
  return token + random;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LockFile>> LockFile::Open(const std::string& path, Mode mode) {
  const int flags = mode == Mode::kReadOnly ? O_RDONLY : O_RDWR | O_CREAT;
  sys::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return ErrnoToStatus(errno, fmt::format("open lock file {}", path));
  return std::unique_ptr<LockFile>(new LockFile(path, std::move(fd), mode));
}

absl::StatusOr<LockFile::Held> LockFile::Lock(bool write) {
  if (write && mode_ == Mode::kReadOnly) {
    return absl::FailedPreconditionError(fmt::format("{} is read-only to crio", path_));
  }
  mu_.lock();
  if (absl::Status locked = SetLock(fd_.get(), write ? F_WRLCK : F_RDLCK, path_); !locked.ok()) {
    mu_.unlock();
    return locked;
  }
  return Held(this);
}

void LockFile::Release() {
  // Unlocking a lock this process holds cannot fail but for a bad fd.
  (void)SetLock(fd_.get(), F_UNLCK, path_);
  mu_.unlock();
}

LockFile::Held::~Held() {
  if (file_ != nullptr) file_->Release();
}

absl::StatusOr<bool> LockFile::Held::Modified() {
  char buffer[kTokenBytes];
  const ssize_t n = ::pread(file_->fd_.get(), buffer, sizeof(buffer), 0);
  if (n < 0) return ErrnoToStatus(errno, fmt::format("read {}", file_->path_));
  std::string token(buffer, static_cast<size_t>(n));
  if (file_->last_seen_ == token) return false;
  file_->last_seen_ = std::move(token);
  return true;
}

absl::Status LockFile::Held::Touch() {
  std::string token = NewToken(++file_->touches_);
  if (::pwrite(file_->fd_.get(), token.data(), token.size(), 0) !=
      static_cast<ssize_t>(token.size())) {
    return ErrnoToStatus(errno, fmt::format("write {}", file_->path_));
  }
  file_->last_seen_ = std::move(token);
  return absl::OkStatus();
}

}  // namespace crio::storage
