#include "common/rollback.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace crio {
namespace {

TEST(RollbackTest, UndoesNewestFirst) {
  std::vector<std::string> undone;
  {
    Rollback rollback;
    rollback.Add("first", [&] {
      undone.push_back("first");
      return absl::OkStatus();
    });
    rollback.Add("second", [&] {
      undone.push_back("second");
      return absl::OkStatus();
    });
  }
  EXPECT_EQ(undone, (std::vector<std::string>{"second", "first"}));
}

TEST(RollbackTest, CommitUndoesNothing) {
  bool ran = false;
  {
    Rollback rollback;
    rollback.Add("step", [&] {
      ran = true;
      return absl::OkStatus();
    });
    rollback.Commit();
  }
  EXPECT_FALSE(ran);
}

TEST(RollbackTest, AnIfCleanStepWaitsForANewerStepThatFailed) {
  std::vector<std::string> undone;
  {
    Rollback rollback;
    rollback.AddIfClean("forget the record", [&] {
      undone.push_back("forget");
      return absl::OkStatus();
    });
    rollback.Add("unmount", [&] {
      undone.push_back("unmount");
      return absl::InternalError("busy");
    });
    rollback.Add("remove the dir", [&] {
      undone.push_back("remove");
      return absl::OkStatus();
    });
  }
  // Every undo is tried; only the record's removal waits for a clean undo.
  EXPECT_EQ(undone, (std::vector<std::string>{"remove", "unmount"}));
}

TEST(RollbackTest, AnIfCleanStepRunsAfterACleanUndo) {
  std::vector<std::string> undone;
  {
    Rollback rollback;
    rollback.AddIfClean("forget the record", [&] {
      undone.push_back("forget");
      return absl::OkStatus();
    });
    rollback.Add("unmount", [&] {
      undone.push_back("unmount");
      return absl::OkStatus();
    });
  }
  EXPECT_EQ(undone, (std::vector<std::string>{"unmount", "forget"}));
}

TEST(RollbackTest, AnOlderFailedStepDoesNotHoldAnIfCleanStep) {
  // Steps registered before the record (older) run after it; their failure cannot matter.
  std::vector<std::string> undone;
  {
    Rollback rollback;
    rollback.Add("release the name", [&] {
      undone.push_back("release");
      return absl::InternalError("no");
    });
    rollback.AddIfClean("forget the record", [&] {
      undone.push_back("forget");
      return absl::OkStatus();
    });
  }
  EXPECT_EQ(undone, (std::vector<std::string>{"forget", "release"}));
}

}  // namespace
}  // namespace crio
