// LockFile: containers/storage's lock file protocol, which podman, skopeo and buildah follow
// for every record file they share with crio (overlay-layers/layers.lock,
// overlay-images/images.lock, overlay-containers/containers.lock, …).
//
//   - The lock is an fcntl record lock on the whole file: shared for readers, exclusive for
//     writers. fcntl locks belong to the process, so the object also holds a mutex that
//     keeps crio's own threads apart (one holder at a time, readers included: crio's reads
//     copy out what they need and let go).
//   - A writer, before it lets go, "touches" the file: it writes a new 64-byte token (the
//     time, a counter, its pid and random bytes) at offset 0. Anyone who remembers the token
//     it last saw knows, by reading it again, whether another process wrote since: only then
//     must it reload the records.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "sys/unique_fd.h"

namespace crio::storage {

class LockFile {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // Opens `path`, creating it (0644) when missing. Read-only (a store crio only reads, which
  // may sit on a read-only filesystem), it must exist and only shared locks are taken.
  static absl::StatusOr<std::unique_ptr<LockFile>> Open(const std::string& path,
                                                        Mode mode = Mode::kReadWrite);

  // Holds the lock until destroyed.
  class Held {
   public:
    Held(Held&& other) noexcept : file_(std::exchange(other.file_, nullptr)) {}
    Held& operator=(Held&&) = delete;
    ~Held();

    // Whether another process wrote since this process last looked or wrote; the first
    // call on a new LockFile answers true.
    absl::StatusOr<bool> Modified();
    // Records that this process wrote. REQUIRES: held for writing.
    absl::Status Touch();

   private:
    friend class LockFile;
    explicit Held(LockFile* file) : file_(file) {}
    LockFile* file_;
  };

  // Waits for the lock: shared (`write` false) or exclusive (FAILED_PRECONDITION when
  // opened read-only).
  absl::StatusOr<Held> Lock(bool write);

  const std::string& path() const { return path_; }

 private:
  LockFile(std::string path, sys::UniqueFd fd, Mode mode)
      : path_(std::move(path)), fd_(std::move(fd)), mode_(mode) {}
  void Release();

  const std::string path_;
  const sys::UniqueFd fd_;
  const Mode mode_;
  std::mutex mu_;  // held from Lock to Release
  // The token this process last saw or wrote; nullopt before the first look.
  std::optional<std::string> last_seen_;  // guarded by mu_ (held by the Held)
  uint64_t touches_ = 0;                  // guarded by mu_
};

}  // namespace crio::storage
