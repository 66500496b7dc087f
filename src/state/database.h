// Database: crio's SQLite file (WAL journal, foreign keys on, one connection).
//
// SQLite serializes writers anyway; crio keeps one connection and one mutex so a
// transaction is a plain RAII object: Transaction holds the lock from BEGIN IMMEDIATE to
// COMMIT (or ROLLBACK when it goes out of scope uncommitted). Never hold a transaction
// across a network call, an exec or a mount: prepare the data first, then write it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::state {

class Database;

// A prepared statement. Bind parameters by 1-based index; Step() until it returns false.
class Statement {
 public:
  Statement(Statement&&) = default;
  ~Statement();

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t number);
  Statement& BindNull(int index);
  // true when a row is available, false when done; errors come back as status.
  absl::StatusOr<bool> Step();
  // Runs to completion, for statements without results.
  absl::Status Run();

  std::string Text(int column) const;
  int64_t Int(int column) const;
  bool IsNull(int column) const;

 private:
  friend class Database;
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> statement_;
};

class Database {
 public:
  // Opens (creating) the database at `path`; ":memory:" for tests.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path);
  // Opens the existing database at `path` for reading only: nothing is written to it, nor
  // made beside it, unless a writer that stopped uncleanly left a WAL there (that is read,
  // and SQLite keeps its -shm index beside it). Begin() then starts a read transaction.
  static absl::StatusOr<std::unique_ptr<Database>> OpenReadOnly(const std::string& path);
  ~Database();

  // A write transaction (a read transaction on a read-only database): exclusive use of the
  // connection until Commit, or until destroyed (rolling back). Statements prepared from it
  // must not be used after either.
  class Transaction {
   public:
    ~Transaction();
    absl::Status Commit();
    absl::StatusOr<Statement> Prepare(std::string_view sql);
    absl::Status Exec(std::string_view sql);

   private:
    friend class Database;
    explicit Transaction(Database& db);
    Database& db_;
    std::unique_lock<std::mutex> lock_;
    bool open_ = false;
  };

  absl::StatusOr<std::unique_ptr<Transaction>> Begin();

  // Runs `sql` (one or more statements) outside a transaction, e.g. schema setup.
  absl::Status Exec(std::string_view sql);

 private:
  Database(sqlite3* db, bool read_only) : db_(db), read_only_(read_only) {}
  absl::StatusOr<Statement> PrepareLocked(std::string_view sql);
  absl::Status ExecLocked(std::string_view sql);

  sqlite3* db_;
  const bool read_only_;
  std::mutex mu_;
};

}  // namespace crio::state
