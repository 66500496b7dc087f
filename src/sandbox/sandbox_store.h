// SandboxStore: pods persisted in crio's state database, one row per pod (its reservation
// name, and the Sandbox as JSON), so a restarted crio sees every pod as it was.
//
// Writes are single statements, atomic in SQLite. The in-memory index lives in
// Sandboxes; this class only reads and writes rows. Thread-safe (the Database serializes).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sandbox/sandbox.h"
#include "state/database.h"

namespace crio::sandbox {

class SandboxStore {
 public:
  // Creates the table in `db` if needed.
  static absl::StatusOr<std::unique_ptr<SandboxStore>> Open(state::Database& db);

  // Inserts or replaces the pod's row.
  absl::Status Save(const Sandbox& sandbox);
  absl::Status Delete(const std::string& id);
  // Every stored pod; a row that cannot be decoded is reported in `corrupt` and skipped.
  absl::StatusOr<std::vector<Sandbox>> LoadAll(std::vector<std::string>* corrupt);

 private:
  explicit SandboxStore(state::Database& db) : db_(db) {}
  state::Database& db_;
};

// The JSON form rows hold; exposed for tests.
std::string EncodeSandbox(const Sandbox& sandbox);
absl::StatusOr<Sandbox> DecodeSandbox(const std::string& text);

}  // namespace crio::sandbox
