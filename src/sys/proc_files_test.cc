#include "sys/proc_files.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::sys {
namespace {

TEST(ProcFilesTest, SoftOpenFilesLimitOfThisProcess) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  const std::optional<uint64_t> soft = SoftOpenFilesLimit("/proc/self");
  if (limit.rlim_cur == RLIM_INFINITY) {
    EXPECT_FALSE(soft);
  } else {
    EXPECT_EQ(soft, limit.rlim_cur);
  }
  EXPECT_FALSE(SoftOpenFilesLimit("/proc/no-such-process"));
}

TEST(ProcFilesTest, UnlimitedOpenFilesIsAbsent) {
  EXPECT_EQ(ParseSoftOpenFilesLimit("Max open files  1024  4096  files\n"), 1024u);
  EXPECT_FALSE(ParseSoftOpenFilesLimit("Max open files  unlimited  unlimited  files\n"));
  EXPECT_FALSE(ParseSoftOpenFilesLimit("Max processes 1 1 processes\n"));
}

TEST(ProcFilesTest, CountsOpenFilesAndSockets) {
  const OpenFiles before = CountOpenFiles("/proc/self");
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  const OpenFiles after = CountOpenFiles("/proc/self");
  EXPECT_EQ(after.files, before.files + 2);
  EXPECT_EQ(after.sockets, before.sockets + 2);
  ::close(pair[0]);
  ::close(pair[1]);
  EXPECT_EQ(CountOpenFiles("/proc/no-such-process").files, 0u);
}

}  // namespace
}  // namespace crio::sys
