#include "state/database.h"

#include <filesystem>

#include "common/read_file.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::state {
namespace {

TEST(DatabaseTest, CommittedWritesAreReadBack) {
  testing::TempDir dir;
  auto db = Database::Open(dir.Join("state.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").ok());
  {
    auto tx = (*db)->Begin();
    ASSERT_TRUE(tx.ok());
    auto insert = (*tx)->Prepare("INSERT INTO t VALUES (?, ?)");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE(insert->Bind(1, "a").Bind(2, int64_t{7}).Run().ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto tx = (*db)->Begin();
  auto select = (*tx)->Prepare("SELECT k, v FROM t");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->Text(0), "a");
  EXPECT_EQ(select->Int(1), 7);
  EXPECT_FALSE(*select->Step());
}

TEST(DatabaseTest, UncommittedTransactionsRollBack) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  {
    auto tx = (*db)->Begin();
    ASSERT_TRUE((*tx)->Exec("INSERT INTO t VALUES ('x')").ok());
  }  // no commit
  auto tx = (*db)->Begin();
  auto count = (*tx)->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Int(0), 0);
}

TEST(DatabaseTest, CommitFreesTheConnectionForTheNextTransaction) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  auto first = (*db)->Begin();
  ASSERT_TRUE((*first)->Exec("INSERT INTO t VALUES ('x')").ok());
  ASSERT_TRUE((*first)->Commit().ok());
  auto second = (*db)->Begin();  // would deadlock if the first still held the connection
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->Commit().ok());
}

TEST(DatabaseTest, ConstraintViolationsAreAlreadyExists) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  auto tx = (*db)->Begin();
  ASSERT_TRUE((*tx)->Exec("INSERT INTO t VALUES ('x')").ok());
  auto again = (*tx)->Prepare("INSERT INTO t VALUES ('x')");
  EXPECT_EQ(again->Run().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE((*tx)->Prepare("NOT SQL").ok());
}

// The count of rows in table t, read through a read-only connection to `path`.
int64_t CountReadOnly(const std::string& path) {
  auto db = Database::OpenReadOnly(path);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return -1;
  auto tx = (*db)->Begin();
  EXPECT_TRUE(tx.ok()) << tx.status();
  EXPECT_FALSE((*tx)->Exec("INSERT INTO t VALUES ('z')").ok());  // refused
  auto count = (*tx)->Prepare("SELECT count(*) FROM t");
  return count.ok() && *count->Step() ? count->Int(0) : -1;
}

TEST(DatabaseTest, ReadOnlyLeavesTheFileAndItsDirectoryAlone) {
  testing::TempDir dir;
  const std::string path = dir.Join("old.db");
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a')").ok());
  }  // closed: the WAL is checkpointed and removed
  const std::string before = *ReadFileToString(path);
  EXPECT_EQ(CountReadOnly(path), 1);
  EXPECT_EQ(*ReadFileToString(path), before);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(files, std::vector<std::string>{"old.db"});
  EXPECT_FALSE(Database::OpenReadOnly(dir.Join("absent.db")).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Join("absent.db")));
}

TEST(DatabaseTest, ReadOnlyReadsWhatIsStillInTheWal) {
  testing::TempDir dir;
  const std::string path = dir.Join("old.db");
  auto writer = Database::Open(path);  // stays open: its writes stay in the WAL
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a'), ('b')").ok());
  ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
  EXPECT_EQ(CountReadOnly(path), 2);
}

}  // namespace
}  // namespace crio::state
