#include "diagnostics/thread_dump.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "diagnostics/thread_capture.h"
#include "gtest/gtest.h"

namespace crio::diagnostics {

// A thread parked here must show this name in its stack.
__attribute__((noinline)) void ParkedInThreadDumpTest(std::mutex& mu, std::condition_variable& cv,
                                                      const bool& done) {
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  asm volatile("" ::: "memory");  // keeps the call from becoming a tail call
}

namespace {

constexpr std::string_view kStatus =
    "Name:\tcrio\nState:\tS (sleeping)\nSigBlk:\t0000000000014003\nVmRSS:\t   5120 kB\n";

TEST(ThreadDumpTest, ReadsFieldsOfProcStatus) {
  EXPECT_EQ(StatusField(kStatus, "State"), "S (sleeping)");
  EXPECT_EQ(StatusField(kStatus, "VmRSS"), "5120 kB");
  EXPECT_EQ(StatusField(kStatus, "Vm"), "");
  EXPECT_EQ(StatusField(kStatus, "Missing"), "");
}

TEST(ThreadDumpTest, ReadsTheBlockedSignalMask) {
  EXPECT_TRUE(SignalBlocked(kStatus, SIGHUP));    // bit 0
  EXPECT_TRUE(SignalBlocked(kStatus, SIGINT));    // bit 1
  EXPECT_FALSE(SignalBlocked(kStatus, SIGQUIT));  // bit 2
  EXPECT_TRUE(SignalBlocked(kStatus, SIGTERM));   // bit 14
  EXPECT_FALSE(SignalBlocked(kStatus, SIGPROF));  // bit 26
}

TEST(ThreadDumpTest, StackDumpPathFollowsTmpdir) {
  setenv("TMPDIR", "/var/tmp/x", 1);
  EXPECT_TRUE(StackDumpPath().starts_with("/var/tmp/x/crio-goroutine-stacks-"));
  unsetenv("TMPDIR");
  const std::string path = StackDumpPath();
  EXPECT_TRUE(path.starts_with("/tmp/crio-goroutine-stacks-")) << path;
  EXPECT_TRUE(path.ends_with(".log")) << path;
  EXPECT_EQ(path.find(':'), std::string::npos) << path;
}

TEST(ThreadDumpTest, FormatsOneBlockPerThread) {
  const std::vector<ThreadReport> threads = {
      {.tid = 10,
       .name = "crio",
       .state = "S (sleeping)",
       .frames = {"0x1 a()+0x1 (/bin/crio+0x1)", "0x2 main+0x2 (/bin/crio+0x2)"},
       .kernel_stack = "[<0>] do_sigtimedwait+0x1\n[<0>] entry_SYSCALL_64+0x2"},
      {.tid = 11, .name = "worker", .state = "R (running)", .missing = "thread 11 exited"},
  };
  EXPECT_EQ(FormatThreadDump("header", threads),
            "header\n"
            "\nthread 10 \"crio\" [S (sleeping)]:\n"
            "  #0  0x1 a()+0x1 (/bin/crio+0x1)\n"
            "  #1  0x2 main+0x2 (/bin/crio+0x2)\n"
            "  kernel:\n"
            "    [<0>] do_sigtimedwait+0x1\n"
            "    [<0>] entry_SYSCALL_64+0x2\n"
            "\nthread 11 \"worker\" [R (running)]:\n"
            "  no user-space stack: thread 11 exited\n");
}

TEST(ThreadDumpTest, CapturesEveryThreadsStackWithFunctionNames) {
  ASSERT_TRUE(InstallThreadCapture().ok());
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::atomic<pid_t> parked_tid{0};
  std::thread parked([&] {
    pthread_setname_np(pthread_self(), "parked-thread");
    parked_tid = gettid();
    ParkedInThreadDumpTest(mu, cv, done);
  });
  while (parked_tid == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it reach the wait

  const std::vector<ThreadReport> threads = CollectThreadReports();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  parked.join();

  ASSERT_GE(threads.size(), 2u);
  EXPECT_EQ(threads[0].tid, getpid());  // the main thread first
  const ThreadReport* found = nullptr;
  for (const ThreadReport& thread : threads) {
    if (thread.tid == parked_tid) found = &thread;
  }
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "parked-thread");
  EXPECT_FALSE(found->state.empty());
  std::string frames;
  for (const std::string& frame : found->frames) frames += frame + "\n";
  EXPECT_NE(frames.find("crio::diagnostics::ParkedInThreadDumpTest("), std::string::npos)
      << frames << found->missing;
}

TEST(ThreadDumpTest, AThreadBlockingTheSignalIsListedWithTheReason) {
  ASSERT_TRUE(InstallThreadCapture().ok());
  std::atomic<pid_t> tid{0};
  std::atomic<bool> done{false};
  std::thread blocking([&] {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    tid = gettid();
    while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  while (tid == 0) std::this_thread::yield();
  const std::vector<ThreadReport> threads = CollectThreadReports();
  done = true;
  blocking.join();
  for (const ThreadReport& thread : threads) {
    if (thread.tid != tid) continue;
    EXPECT_TRUE(thread.frames.empty());
    EXPECT_NE(thread.missing.find("blocks signal"), std::string::npos) << thread.missing;
    return;
  }
  ADD_FAILURE() << "thread " << tid << " not listed";
}

TEST(ThreadDumpTest, AGoneThreadIsNotFound) {
  ASSERT_TRUE(InstallThreadCapture().ok());
  pid_t gone = 0;
  std::thread([&] { gone = gettid(); }).join();
  EXPECT_TRUE(absl::IsNotFound(CaptureThreadStack(gone, std::chrono::milliseconds(100)).status()));
}

TEST(ThreadDumpTest, TheCallingThreadsOwnStackIsTakenDirectly) {
  auto frames = CaptureThreadStack(gettid(), std::chrono::milliseconds(1));
  ASSERT_TRUE(frames.ok());
  EXPECT_FALSE(frames->empty());
}

}  // namespace
}  // namespace crio::diagnostics
