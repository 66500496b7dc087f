#include "diagnostics/folded_stacks.h"

#include "fmt/format.h"
#include "gtest/gtest.h"

namespace crio::diagnostics {
namespace {

// Names frame 0x10 "f0", 0x20 "f1"…; a return address gets a '*' so the test sees which.
std::string FakeName(uintptr_t address, bool is_return_address) {
  if (address == 0x99) return "op;erator";
  return fmt::format("f{}{}", address / 0x10 - 1, is_return_address ? "*" : "");
}

TEST(FoldedStacksTest, FoldsOutermostFirstMostSampledFirst) {
  StackCounts counts;
  counts[{.thread = "crio", .frames = {0x10, 0x20, 0x30}}] = 2;
  counts[{.thread = "grpc", .frames = {0x20}}] = 5;
  EXPECT_EQ(FoldStacks(counts, FakeName), "grpc;f1 5\ncrio;f2*;f1*;f0 2\n");
}

TEST(FoldedStacksTest, MergesStacksThatNameTheSameFrames) {
  StackCounts counts;
  counts[{.thread = "t", .frames = {0x10}}] = 1;
  counts[{.thread = "t", .frames = {0x11}}] = 2;  // another address in the same function
  EXPECT_EQ(FoldStacks(counts, FakeName), "t;f0 3\n");
}

TEST(FoldedStacksTest, SemicolonsInNamesCannotSplitFrames) {
  StackCounts counts;
  counts[{.thread = "", .frames = {0x99}}] = 1;
  EXPECT_EQ(FoldStacks(counts, FakeName), "?;op:erator 1\n");
}

}  // namespace
}  // namespace crio::diagnostics
