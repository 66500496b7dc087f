#include "state/database.h"

#include <filesystem>

#include "common/status_macros.h"
#include "fmt/format.h"
#include "sys/private_dir.h"

namespace crio::state {
namespace {

absl::Status SqliteError(sqlite3* db, int code, std::string_view what) {
  const std::string message = fmt::format("{}: {}", what, sqlite3_errmsg(db));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

Statement::~Statement() = default;

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, int64_t number) {
  sqlite3_bind_int64(statement_.get(), index, number);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(statement_.get(), index);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, fmt::format("run \"{}\"", sqlite3_sql(statement_.get())));
}

absl::Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(statement_.get(), column);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(statement_.get(), column)));
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(statement_.get(), column); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  if (path != ":memory:") {
    // SQLite creates the database 0644 and gives its journals the database's mode.
    RETURN_IF_ERROR(sys::MakePrivateFile(path));
    for (const char* journal : {"-wal", "-shm", "-journal"}) {
      RETURN_IF_ERROR(sys::TightenIfPresent(path + journal));
    }
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Database> db(new Database(raw, /*read_only=*/false));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, fmt::format("open database {}", path));
  sqlite3_busy_timeout(raw, 5000);
  if (auto setup = db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA foreign_keys=ON;");
      !setup.ok()) {
    return setup;
  }
  return db;
}

absl::StatusOr<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path) {
  // A WAL-mode database opened read-only gets a -wal and a -shm file made beside it, unless
  // it is "immutable" (no locks, no journal). Immutable is right when there is no WAL to
  // read: then the file alone is the database, and no writer is expected.
  std::error_code error;
  const bool has_wal = std::filesystem::exists(path + "-wal", error);
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      uri += c;
    }
  }
  uri += has_wal ? "?mode=ro" : "?mode=ro&immutable=1";
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Database> db(new Database(raw, /*read_only=*/true));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, fmt::format("open database {}", path));
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

Database::~Database() { sqlite3_close(db_); }

absl::Status Database::ExecLocked(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, fmt::format("exec: {}", message));
  return absl::OkStatus();
}

absl::Status Database::Exec(std::string_view sql) {
  std::lock_guard lock(mu_);
  return ExecLocked(sql);
}

absl::StatusOr<Statement> Database::PrepareLocked(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, fmt::format("prepare \"{}\"", sql));
  return Statement(db_, statement);
}

absl::StatusOr<std::unique_ptr<Database::Transaction>> Database::Begin() {
  std::unique_ptr<Transaction> transaction(new Transaction(*this));
  if (auto begun = ExecLocked(read_only_ ? "BEGIN" : "BEGIN IMMEDIATE"); !begun.ok()) {
    return begun;
  }
  transaction->open_ = true;
  return transaction;
}

Database::Transaction::Transaction(Database& db) : db_(db), lock_(db.mu_) {}

Database::Transaction::~Transaction() {
  if (open_) db_.ExecLocked("ROLLBACK").IgnoreError();
}

absl::Status Database::Transaction::Commit() {
  if (auto committed = db_.ExecLocked("COMMIT"); !committed.ok()) return committed;
  open_ = false;
  lock_.unlock();  // the connection is free for the next transaction from here on
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Transaction::Prepare(std::string_view sql) {
  return db_.PrepareLocked(sql);
}

absl::Status Database::Transaction::Exec(std::string_view sql) { return db_.ExecLocked(sql); }

}  // namespace crio::state
