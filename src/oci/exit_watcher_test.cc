#include "oci/exit_watcher.h"

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::oci {
namespace {

class Seen {
 public:
  void Add(const std::string& id) {
    std::lock_guard lock(mu_);
    ids_.insert(id);
    changed_.notify_all();
  }
  bool WaitFor(const std::string& id) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return ids_.contains(id); });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::set<std::string> ids_;
};

TEST(ExitWatcherTest, ReportsExitsAlreadyThereAndNewOnes) {
  testing::TempDir dir;
  dir.WriteFile("exits/early", "0");
  Seen seen;
  ExitWatcher watcher(dir.Join("exits"), [&](const std::string& id) { seen.Add(id); });
  ASSERT_TRUE(watcher.Start().ok());
  EXPECT_TRUE(seen.WaitFor("early"));
  dir.WriteFile("exits/later", "137");
  EXPECT_TRUE(seen.WaitFor("later"));
  EXPECT_EQ(*ReadExitCode(dir.Join("exits"), "later"), 137);
  EXPECT_EQ(ReadExitCode(dir.Join("exits"), "running").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crio::oci
