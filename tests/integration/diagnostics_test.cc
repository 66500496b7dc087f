// crio's diagnostics as an operator uses them: SIGUSR1 for every thread's stack, `crio
// status goroutines` and `heap`, the --profile server on localhost, and --profile-mem and
// --profile-cpu's files at shutdown.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/free_port.h"
#include "tests/integration/crio_daemon.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The files in `dir` whose names start with `prefix`.
std::vector<std::string> FilesStartingWith(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(prefix)) found.push_back(entry.path());
  }
  return found;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// Starts `crio` with TMPDIR=`tmpdir`, so that SIGUSR1's file lands there.
bool StartWithTmpdir(CrioDaemon& crio, const std::string& tmpdir,
                     const std::vector<std::string>& args = {}) {
  const char* old = std::getenv("TMPDIR");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TMPDIR", tmpdir.c_str(), 1);
  const bool started = crio.Start(args);
  saved ? ::setenv("TMPDIR", saved->c_str(), 1) : ::unsetenv("TMPDIR");
  return started;
}

// The local addresses (hex "ADDR:PORT" as /proc/net/tcp* write them) listening on `port`.
std::vector<std::string> ListeningAddresses(pid_t pid, int port) {
  std::vector<std::string> found;
  const std::string suffix = fmt::format(":{:04X}", port);
  for (const char* table : {"tcp", "tcp6"}) {
    std::istringstream lines(ReadAll(fmt::format("/proc/{}/net/{}", pid, table)));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.ends_with(suffix)) found.push_back(local);  // 0A: LISTEN
    }
  }
  return found;
}

class DiagnosticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  }
};

TEST_F(DiagnosticsTest, SigusrOneWritesEveryThreadsStackAndCrioCarriesOn) {
  CrioDaemon crio;
  TempDir tmp;
  ASSERT_TRUE(StartWithTmpdir(crio, tmp.path())) << crio.Log();
  crio.Signal(SIGUSR1);
  ASSERT_TRUE(crio.WaitForLog("Wrote the stacks of every thread to " + tmp.path())) << crio.Log();
  const std::vector<std::string> files = FilesStartingWith(tmp.path(), "crio-goroutine-stacks-");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(files[0].ends_with(".log")) << files[0];
  EXPECT_EQ(fs::path(files[0]).filename().string().find(':'), std::string::npos);
  EXPECT_EQ(fs::status(files[0]).permissions(), fs::perms::owner_read | fs::perms::owner_write);

  const std::string dump = ReadAll(files[0]);
  // One block per thread, as many as the header counts.
  const size_t threads = Count(dump, "\nthread ");
  EXPECT_NE(dump.find(fmt::format("crio thread stacks: pid {}, {} threads, ", crio.pid(), threads)),
            std::string::npos)
      << dump;
  EXPECT_GE(threads, 5u) << dump;
  EXPECT_NE(dump.find(fmt::format("\nthread {} \"crio\" [", crio.pid())), std::string::npos);
  // The main thread writing the dump, the status API's workers, gRPC's, and frames of the
  // stripped libc named by their object and offset.
  EXPECT_NE(dump.find("crio::Profiling::WriteThreadStacks()"), std::string::npos) << dump;
  EXPECT_NE(dump.find("crio::RunDaemon("), std::string::npos) << dump;
  EXPECT_NE(dump.find("crio::status::HttpServer::WorkerLoop()"), std::string::npos) << dump;
  EXPECT_NE(dump.find("grpc::ThreadManager::MainWorkLoop()"), std::string::npos) << dump;
  EXPECT_NE(dump.find("?? (/lib/x86_64-linux-gnu/libc.so.6+0x"), std::string::npos) << dump;
  // A thread without frames says why.
  EXPECT_EQ(Count(dump, "  #0  "), threads - Count(dump, "no user-space stack: ")) << dump;

  // crio serves on; SIGUSR2 gives its free heap back.
  EXPECT_EQ(RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "info"}).exit_code, 0);
  crio.Signal(SIGUSR2);
  EXPECT_TRUE(crio.WaitForLog("Returned free heap memory to the system")) << crio.Log();
  EXPECT_EQ(crio.Stop(), 0) << crio.Log();
}

TEST_F(DiagnosticsTest, StatusGoroutinesAndHeapAskTheRunningCrio) {
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const RunResult stacks = RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "g"});
  ASSERT_EQ(stacks.exit_code, 0) << stacks.err;
  EXPECT_TRUE(stacks.out.starts_with("crio thread stacks: pid ")) << stacks.out;
  EXPECT_NE(stacks.out.find("crio::status::HttpServer::WorkerLoop()"), std::string::npos);

  const RunResult to_stdout =
      RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "heap", "--file", "-"});
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_TRUE(to_stdout.out.starts_with("crio heap statistics: pid ")) << to_stdout.out;
  EXPECT_NE(to_stdout.out.find("  VmRSS:"), std::string::npos) << to_stdout.out;
  EXPECT_NE(to_stdout.out.find("<malloc version="), std::string::npos);

  TempDir out;
  const RunResult to_file =
      RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "hp", "-f", out.Join("h.txt")});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_NE(to_file.err.find("Wrote heap dump to: " + out.Join("h.txt")), std::string::npos);
  EXPECT_NE(ReadAll(out.Join("h.txt")).find("VmHWM:"), std::string::npos);
  // Without --file: crio-heap-TIMESTAMP.out in the working directory, as CRI-O's.
  const RunResult default_file =
      RunCommand({"sh", "-c",
                  fmt::format("cd '{}' && '{}' status -s '{}' heap", out.path(), BinPath("crio"),
                              crio.socket())});
  ASSERT_EQ(default_file.exit_code, 0) << default_file.err;
  const std::vector<std::string> written = FilesStartingWith(out.path(), "crio-heap-");
  ASSERT_EQ(written.size(), 1u);
  EXPECT_TRUE(written[0].ends_with(".out"));
  EXPECT_NE(ReadAll(written[0]).find("VmRSS:"), std::string::npos);

  // The pprof paths need --enable-profile-unix-socket.
  EXPECT_EQ(RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
                        crio.socket(), "http://localhost/debug/pprof/heap"})
                .out,
            "404");
  EXPECT_EQ(RunCommand({BinPath("crio"), "status", "-s", "/nonexistent.sock", "g"}).exit_code, 1);
}

TEST_F(DiagnosticsTest, ProfileServesOnLocalhostOnlyAndOnTheSocketWhenAsked) {
  const int port = FreePort();
  CrioDaemon crio;
  ASSERT_TRUE(crio.Start(
      {"--profile", "--profile-port", std::to_string(port), "--enable-profile-unix-socket"}))
      << crio.Log();
  EXPECT_EQ(ListeningAddresses(crio.pid(), port),
            std::vector<std::string>{fmt::format("0100007F:{:04X}", port)});
  const std::string base = fmt::format("http://127.0.0.1:{}/debug/pprof/", port);
  const RunResult index = RunCommand({"curl", "-sf", base});
  ASSERT_EQ(index.exit_code, 0) << index.err << crio.Log();
  EXPECT_NE(index.out.find("/debug/pprof/goroutine"), std::string::npos);
  // The main thread waits for signals in RunDaemon.
  EXPECT_NE(RunCommand({"curl", "-sf", base + "goroutine"}).out.find("crio::RunDaemon("),
            std::string::npos);
  EXPECT_NE(RunCommand({"curl", "-sf", base + "heap"}).out.find("VmRSS:"), std::string::npos);
  const RunResult profile =
      RunCommand({"curl", "-s", "-w", "\n%{http_code}", base + "profile?seconds=1"});
  EXPECT_TRUE(profile.out.ends_with("\n200")) << profile.out;
  EXPECT_NE(RunCommand({"curl", "-sf", base + "cmdline"}).out.find("--profile-port"),
            std::string::npos);
  // The same paths on the CRI socket.
  const RunResult on_socket = RunCommand(
      {"curl", "-sf", "--unix-socket", crio.socket(), "http://localhost/debug/pprof/heap"});
  ASSERT_EQ(on_socket.exit_code, 0) << on_socket.err;
  EXPECT_NE(on_socket.out.find("VmRSS:"), std::string::npos);

  // A second crio cannot have the port: it says so and does not start.
  CrioDaemon second;
  EXPECT_FALSE(second.Start({"--profile", "--profile-port", std::to_string(port)}));
  EXPECT_TRUE(second.WaitForLog("Unable to run profiling server")) << second.Log();
  EXPECT_EQ(crio.Stop(), 0) << crio.Log();
}

TEST_F(DiagnosticsTest, ProfileMemAndCpuFilesAreWrittenAtSigterm) {
  CrioDaemon crio;
  TempDir out;
  const std::string mem = out.Join("crio.mem"), cpu = out.Join("crio.folded");
  ASSERT_TRUE(crio.Start({"--profile-mem", mem, "--profile-cpu", cpu})) << crio.Log();
  EXPECT_TRUE(fs::exists(cpu));  // created at start-up, as CRI-O's
  EXPECT_FALSE(fs::exists(mem));
  for (int i = 0; i < 20; ++i) {
    RunCommand({BinPath("crio"), "status", "-s", crio.socket(), "goroutines"});
  }
  EXPECT_EQ(crio.Stop(), 0) << crio.Log();
  const std::string heap = ReadAll(mem);
  EXPECT_TRUE(heap.starts_with("crio heap statistics: pid ")) << heap;
  EXPECT_NE(heap.find("VmHWM:"), std::string::npos) << heap;
  // Folded stacks: "thread;outer;...;inner COUNT" lines.
  std::istringstream lines(ReadAll(cpu));
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    const size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_GT(std::atoi(line.c_str() + space + 1), 0) << line;
    EXPECT_NE(line.find(';'), std::string::npos) << line;
  }
  EXPECT_GT(count, 0u) << crio.Log();
  EXPECT_TRUE(crio.WaitForLog("Wrote the CPU profile (")) << crio.Log();
}

TEST_F(DiagnosticsTest, ACpuProfileThatCannotBeCreatedStopsStartUp) {
  CrioDaemon crio;
  EXPECT_FALSE(crio.Start({"--profile-cpu", "/nonexistent-dir/cpu.folded"}));
  EXPECT_TRUE(crio.WaitForLog("could not create CPU profile: ")) << crio.Log();
}

}  // namespace
}  // namespace crio::testing
