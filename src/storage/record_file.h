// RecordFile: one of containers/storage's record files (overlay-layers/layers.json,
// overlay-images/images.json, overlay-containers/containers.json): a JSON array of objects
// shared with podman, skopeo and buildah under its lock file (lock_file.h).
//
// crio keeps the last version it read in memory and reloads it only when the lock file says
// another process wrote since. Records are kept as JSON objects, so every field crio does not
// know (and every record crio did not write) is written back exactly as it was read. A write
// works on a copy under the exclusive lock and replaces the file atomically (temp file,
// fsync, rename) before touching the lock; readers see the old array or the new, never a mix.
//
// Locking order, as containers/storage's: layers, then images, then containers.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "storage/lock_file.h"

namespace crio::storage {

class RecordFile {
 public:
  // `json_path` need not exist (no records); the lock file is created when missing. A
  // read-only record file (LockFile::Mode::kReadOnly) refuses Write.
  static absl::StatusOr<std::unique_ptr<RecordFile>> Open(
      std::string json_path, const std::string& lock_path,
      LockFile::Mode mode = LockFile::Mode::kReadWrite);

  // The records as they are now, and a generation that changes whenever they do (so a
  // caller can keep an index built from them until it changes).
  struct Snapshot {
    std::shared_ptr<const nlohmann::json> records;  // an array
    uint64_t generation = 0;
  };
  absl::StatusOr<Snapshot> Read();

  // The exclusive lock, with a copy of the records to change; Save writes them. Changes not
  // saved are dropped with the object.
  class Writing {
   public:
    nlohmann::json& records() { return records_; }
    absl::Status Save();
    const RecordFile& file() const { return file_; }

   private:
    friend class RecordFile;
    Writing(RecordFile& file, LockFile::Held held, nlohmann::json records)
        : file_(file), held_(std::move(held)), records_(std::move(records)) {}
    RecordFile& file_;
    LockFile::Held held_;
    nlohmann::json records_;
  };
  absl::StatusOr<Writing> Write();

  const std::string& path() const { return json_path_; }

 private:
  RecordFile(std::string json_path, std::unique_ptr<LockFile> lock)
      : json_path_(std::move(json_path)), lock_(std::move(lock)) {}
  // REQUIRES: `held` is this file's lock. Reloads when another process wrote.
  absl::Status Refresh(LockFile::Held& held);

  const std::string json_path_;
  const std::unique_ptr<LockFile> lock_;
  // Guarded by lock_ (whose mutex a Held holds).
  std::shared_ptr<const nlohmann::json> records_;
  uint64_t generation_ = 0;
};

// The record in `records` whose "id" is `id`; null when none.
nlohmann::json* FindRecord(nlohmann::json& records, const std::string& id);
const nlohmann::json* FindRecord(const nlohmann::json& records, const std::string& id);
// Removes the record whose "id" is `id`, if any.
void EraseRecord(nlohmann::json& records, const std::string& id);

// The string field `key` of `record`; empty when absent or not a string.
std::string StringField(const nlohmann::json& record, const char* key);
// The strings of the list field `key` of `record` (other items skipped); empty when absent.
std::vector<std::string> StringListField(const nlohmann::json& record, const char* key);
// Whether a layer record carries containers/storage's "incomplete" flag: its writer died
// (or has not finished) between recording it and making its files.
bool IsIncomplete(const nlohmann::json& layer);
// The flag itself, set on `layer`.
void MarkIncomplete(nlohmann::json& layer);
// Whether `layers` (layers.json's records) hold layer `id`, complete.
bool HasCompleteLayer(const nlohmann::json& layers, const std::string& id);
// containers/storage's file name for a big-data key (of an image, a layer or a container):
// the key itself when it is only lower case letters, digits and dots, else "=" and its base64.
std::string BigDataFileName(const std::string& key);
// Now, as Go's time.Time marshals it (RFC 3339, nanoseconds, UTC).
std::string Rfc3339Now();

}  // namespace crio::storage
